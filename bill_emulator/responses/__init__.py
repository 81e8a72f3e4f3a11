"""Thin HTTP responses, one module per family: each reads a Call (path, query, body), calls its family's
model in backends/ and answers a Reply (answers.py builds the ones that do only that). routes.py maps paths
to them; handlers.crud serves plain CRUD."""
