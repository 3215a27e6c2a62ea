"""Given names and family names with rough weights, for synthetic residents and staff of a
Flemish-Brabant town. Invented combinations; weights only shape the mix (common Flemish names
dominate, with the French, Moroccan, Turkish, Polish, Romanian, ... names a town of 37,000 near
the language border actually has)."""

from __future__ import annotations

import random

# (name, weight). Older and younger generations mixed; the generator does not model fashion.
MALE = [
    ("Jan", 8), ("Luc", 7), ("Marc", 7), ("Peter", 6), ("Dirk", 5), ("Patrick", 5), ("Johan", 5),
    ("Bart", 6), ("Tom", 6), ("Koen", 5), ("Wim", 5), ("Geert", 5), ("Filip", 4), ("Stefaan", 3),
    ("Jozef", 4), ("Willy", 3), ("André", 3), ("Eddy", 3), ("Guido", 3), ("Paul", 4), ("Frank", 4),
    ("Kris", 4), ("Steven", 4), ("Kristof", 4), ("Pieter", 4), ("Nico", 3), ("Sven", 3), ("Joris", 3),
    ("Jeroen", 3), ("Wouter", 4), ("Thomas", 5), ("Jens", 3), ("Robbe", 4), ("Lars", 3), ("Arne", 3),
    ("Noah", 5), ("Lucas", 5), ("Liam", 5), ("Louis", 5), ("Arthur", 5), ("Jules", 4), ("Finn", 4),
    ("Mathis", 3), ("Vic", 3), ("Warre", 3), ("Seppe", 3), ("Lander", 3), ("Stan", 3), ("Rune", 2),
    ("Ward", 3), ("Milan", 3), ("Matthias", 3), ("Simon", 3), ("Tibo", 3), ("Emiel", 2), ("Gust", 2),
    ("Mohamed", 4), ("Youssef", 3), ("Ayoub", 2), ("Ibrahim", 2), ("Mehmet", 2), ("Emre", 2),
    ("Piotr", 2), ("Tomasz", 1), ("Andrei", 1), ("Mamadou", 1), ("Jean", 3), ("Pierre", 2),
    ("Michel", 3), ("Christophe", 2), ("Rik", 2), ("Hugo", 3), ("Staf", 1), ("Remi", 2), ("Ruben", 3),
]
FEMALE = [
    ("Maria", 6), ("Anne", 5), ("An", 5), ("Els", 5), ("Katrien", 4), ("Sofie", 5), ("Inge", 4),
    ("Veerle", 4), ("Nathalie", 4), ("Karin", 4), ("Linda", 4), ("Martine", 4), ("Christine", 4),
    ("Godelieve", 3), ("Jeanine", 2), ("Monique", 3), ("Rita", 4), ("Hilde", 4), ("Greet", 3),
    ("Lieve", 3), ("Ann", 4), ("Evy", 3), ("Tine", 3), ("Leen", 3), ("Elke", 4), ("Liesbeth", 3),
    ("Sarah", 5), ("Lisa", 4), ("Laura", 4), ("Julie", 4), ("Charlotte", 4), ("Lotte", 3),
    ("Emma", 5), ("Olivia", 5), ("Louise", 5), ("Mila", 4), ("Elena", 3), ("Nora", 4), ("Marie", 5),
    ("Lina", 3), ("Fien", 3), ("Noor", 4), ("Juliette", 3), ("Ella", 3), ("Hanne", 3), ("Jolien", 3),
    ("Eline", 3), ("Febe", 2), ("Lore", 3), ("Margot", 2), ("Amber", 3), ("Ine", 2), ("Kaat", 2),
    ("Fatima", 3), ("Khadija", 2), ("Salma", 2), ("Aya", 2), ("Elif", 2), ("Zeynep", 2),
    ("Agnieszka", 1), ("Anna", 3), ("Ioana", 1), ("Aminata", 1), ("Isabelle", 3), ("Françoise", 2),
    ("Nathalie", 2), ("Chantal", 2), ("Paula", 2), ("Jeanne", 2), ("Yvonne", 2), ("Mariette", 2),
]
SURNAMES = [
    ("Peeters", 10), ("Janssens", 9), ("Maes", 8), ("Jacobs", 7), ("Mertens", 7), ("Willems", 7),
    ("Claes", 7), ("Goossens", 6), ("Wouters", 6), ("De Smet", 5), ("Vermeulen", 5), ("Hermans", 5),
    ("Aerts", 6), ("Lambrechts", 4), ("Coppens", 4), ("Smets", 5), ("Verhoeven", 4), ("Michiels", 5),
    ("Geerts", 5), ("Thijs", 5), ("Lemmens", 5), ("Vanhoof", 3), ("Stas", 3), ("Bosmans", 4),
    ("Vandevelde", 3), ("Vranckx", 4), ("Nijs", 3), ("Cuppens", 3), ("Vanhees", 3), ("Vandenbroeck", 4),
    ("Vanderstappen", 3), ("Vandormael", 3), ("Swinnen", 4), ("Vanermen", 3), ("Vanlaer", 3),
    ("Ceulemans", 3), ("Deprez", 3), ("Gilis", 3), ("Hendrickx", 4), ("Heylen", 3), ("Kenis", 3),
    ("Knaepen", 2), ("Loos", 3), ("Meeus", 3), ("Moors", 3), ("Neyens", 3), ("Pauwels", 4),
    ("Renders", 3), ("Robeyns", 2), ("Schoofs", 3), ("Stevens", 4), ("Timmermans", 3), ("Van Dyck", 3),
    ("Van den Bossche", 3), ("Van Damme", 3), ("Van Roy", 2), ("Vanderhoeven", 3), ("Vandeput", 3),
    ("Vanbrabant", 3), ("Verbeeck", 3), ("Verstraeten", 3), ("Wuyts", 3), ("Daems", 3), ("Coenen", 3),
    ("Cleeren", 2), ("Vanhamel", 2), ("Dewit", 2), ("De Wit", 3), ("Engelen", 3), ("Broeckx", 3),
    ("Beckers", 3), ("Vandebroek", 2), ("Opdebeeck", 2), ("Vanstraelen", 2), ("Boon", 2),
    ("Dupont", 3), ("Lambert", 3), ("Leclercq", 2), ("Dubois", 3), ("Lejeune", 2), ("Hubert", 2),
    ("Delvaux", 2), ("Francois", 2), ("Marchal", 2), ("Piron", 2),
    ("El Amrani", 2), ("Benali", 2), ("El Idrissi", 1), ("Bouzid", 1), ("Ait Ouali", 1),
    ("Yilmaz", 2), ("Kaya", 1), ("Demir", 1), ("Nowak", 2), ("Kowalski", 1), ("Wiśniewski", 1),
    ("Popescu", 1), ("Ionescu", 1), ("Diallo", 1), ("Rossi", 1), ("Ferreira", 1), ("Öztürk", 1),
]


class NamePicker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self._m = [n for n, _ in MALE], [w for _, w in MALE]
        self._f = [n for n, _ in FEMALE], [w for _, w in FEMALE]
        self._s = [n for n, _ in SURNAMES], [w for _, w in SURNAMES]

    def given(self, sex: str) -> str:
        names, weights = self._m if sex == "M" else self._f
        return self.rng.choices(names, weights=weights, k=1)[0]

    def surname(self) -> str:
        names, weights = self._s
        return self.rng.choices(names, weights=weights, k=1)[0]
