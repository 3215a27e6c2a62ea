"""Synthetic source exports of a Flemish city, as its applications would export them."""
