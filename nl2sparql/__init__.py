"""Dutch counter questions to scoped SPARQL: normalise, link, retrieve, translate, guard, answer, escalate."""
