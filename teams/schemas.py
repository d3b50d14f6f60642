"""The accounts API's answers: who the caller is, in the shape Nomic's client reads at start."""

from pydantic import BaseModel


class Organization(BaseModel):
    """A workspace the caller belongs to, as Nomic's client reads it."""

    organization_id: str
    nickname: str
    access_role: str
    personal: bool


class UserAnswer(BaseModel):
    id: str
    email: str
    name: str
    organizations: list[Organization]
    default_organization: str | None
