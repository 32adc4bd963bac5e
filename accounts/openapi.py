"""The OpenAPI 3.1 description of the public register's open data and verify API,
served at /register/openapi.json (the catalogue's dcat:endpointDescription) with CORS
allowed for Sveriges dataportal. tests/test_open_data.py checks that its paths are
exactly the public data routes."""

from .register import PUBLIC_FIELDS

_NULLABLE = {"type": ["string", "null"]}
_ROW_PROPERTIES = {name: {"type": "string"} for name in PUBLIC_FIELDS} | {
    "id": {"type": "integer"},
    "responsible_name": _NULLABLE,
    "opened_on": _NULLABLE | {"format": "date"},
    "last_archived_on": _NULLABLE | {"format": "date"},
    "privacy_url": _NULLABLE | {"format": "uri"},
    "confirmed_on": _NULLABLE | {"format": "date"},
    "url": {"type": "string", "format": "uri"},
}
_FILTERS = [
    {
        "name": "platform",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "En plattform, till exempel instagram (se README).",
    },
    {
        "name": "unit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer"},
        "description": "En enhets id: enheten och allt under den.",
    },
]
_PAGE = {
    "name": "page",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
}


def _error(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _page_of(row_schema, description):
    return {
        "get": {
            "summary": description,
            "parameters": [*_FILTERS, _PAGE],
            "responses": {
                "200": {
                    "description": description,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": [
                                    "kommun",
                                    "count",
                                    "page",
                                    "pages",
                                    "next",
                                    "previous",
                                    "results",
                                ],
                                "properties": {
                                    "kommun": _NULLABLE,
                                    "count": {"type": "integer"},
                                    "page": {"type": "integer"},
                                    "pages": {"type": "integer"},
                                    "next": _NULLABLE | {"format": "uri"},
                                    "previous": _NULLABLE | {"format": "uri"},
                                    "results": {
                                        "type": "array",
                                        "items": {"$ref": f"#/components/schemas/{row_schema}"},
                                    },
                                },
                            }
                        }
                    },
                },
                "400": _error("Okänt filter eller felaktig sida."),
            },
        }
    }


OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Kanalkoll: förteckningen över officiella konton i sociala medier",
        "version": "1",
        "description": (
            "Öppna data om kommunens officiella konton i sociala medier, och en kontroll "
            "av om en adress är ett av dem. Fältnamnen är stabila. Fel ger 400 med "
            '{"error": "..."} på svenska.'
        ),
        "license": {
            "name": "CC0 1.0 (kommunens val; se katalogen på /datasets/dcat)",
            "url": "https://creativecommons.org/publicdomain/zero/1.0/",
        },
    },
    "servers": [{"url": "/"}],
    "paths": {
        "/register.json": _page_of("Account", "De aktiva officiella kontona, 100 per sida."),
        "/register/avslutade.json": _page_of(
            "ClosedAccount", "De avslutade kontona, i samma form, med closed_on."
        ),
        "/register.csv": {
            "get": {
                "summary": "De aktiva officiella kontona som CSV (UTF-8, rubrikrad).",
                "parameters": _FILTERS,
                "responses": {
                    "200": {
                        "description": "Alla rader; kolumnerna är fälten i Account.",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    "400": _error("Okänt filter."),
                },
            }
        },
        "/register.atom": {
            "get": {
                "summary": "Nya, ändrade och avslutade konton som Atom 1.0, senaste först.",
                "responses": {
                    "200": {
                        "description": "Flödet.",
                        "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/register/verify": {
            "get": {
                "summary": "Är adressen ett av kommunens officiella konton?",
                "parameters": [
                    {
                        "name": "url",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 2000},
                        "description": "Adressen som ska kontrolleras.",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Svaret.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Verification"}
                            }
                        },
                    },
                    "400": _error("url saknas eller är inte en adress som går att pröva."),
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Account": {
                "type": "object",
                "required": list(PUBLIC_FIELDS),
                "properties": _ROW_PROPERTIES,
            },
            "ClosedAccount": {
                "type": "object",
                "required": [*PUBLIC_FIELDS, "closed_on"],
                "properties": _ROW_PROPERTIES | {"closed_on": _NULLABLE | {"format": "date"}},
            },
            "Verification": {
                "type": "object",
                "required": ["url", "normalised", "official", "account", "message"],
                "properties": {
                    "url": {"type": "string"},
                    "normalised": {"type": "string"},
                    "official": {"type": "boolean"},
                    "account": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "allOf": [
                                    {"$ref": "#/components/schemas/Account"},
                                    {
                                        "type": "object",
                                        "properties": {
                                            "status": {"type": "string"},
                                            "closed_on": _NULLABLE | {"format": "date"},
                                        },
                                    },
                                ]
                            },
                        ]
                    },
                    "message": {"type": "string"},
                },
            },
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
        }
    },
}
