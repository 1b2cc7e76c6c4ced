"""Event goers (the CRM): profiles, search, notes, VIP, preferences, and family/party links."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, computed_field, field_validator, model_validator
from rapidfuzz import fuzz, process
from sqlalchemy import Select, case, delete, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import Ambiguous, Conflict, InvalidInput, NotFound
from persistence.models import (
    Customer,
    CustomerLink,
    CustomerNote,
    Event,
    Order,
    Ticket,
    TicketTier,
    WaitlistEntry,
)

from .common import (
    Email,
    Id,
    In,
    Name,
    Out,
    Page,
    Phone,
    get_or_404,
    like_escape,
    name_key,
    normalise_phone,
    require_changes,
)
from .context import ToolContext
from .phrasing import count, listing, money, phone
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks

FUZZY_CUTOFF = 80  # rapidfuzz score (0-100) a near-miss name needs to be offered
_SPENT = ("paid", "refunded")  # orders whose money was taken (refunded_cents is netted off)
DEAD_TICKETS = ("refunded", "cancelled", "void")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]+$")
EVENT_GOERS = "/api/event-goers"
EVENT_GOER = EVENT_GOERS + "/{customer_id}"

NoteKind = Literal["note", "insight", "do_not_call"]
ContactMethod = Literal["email", "sms", "phone", "whatsapp", "none"]
Relation = Literal[
    "spouse", "wife", "husband", "partner", "parent", "mother", "father", "child", "son",
    "daughter", "sibling", "brother", "sister", "grandparent", "grandchild", "cousin",
    "friend", "colleague", "carer", "guest", "other",
]  # fmt: skip
# The relation seen from the other side, where it is obvious; others are stored one way only.
INVERSE_RELATION: dict[str, str] = {
    "spouse": "spouse", "partner": "partner", "wife": "husband", "husband": "wife",
    "parent": "child", "mother": "child", "father": "child", "child": "parent",
    "son": "parent", "daughter": "parent", "sibling": "sibling", "brother": "sibling",
    "sister": "sibling", "grandparent": "grandchild", "grandchild": "grandparent",
    "cousin": "cousin", "friend": "friend", "colleague": "colleague",
}  # fmt: skip


class CustomerPreferences(In):
    """What a customer likes, kept in `customers.preferences`; on update, null removes one."""

    seating: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    language: Annotated[str, Field(min_length=2, max_length=35)] | None = None
    contact_method: ContactMethod | None = None
    favourite_event_types: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=20)]
        | None
    ) = None
    accessibility: Annotated[str, Field(min_length=1, max_length=300)] | None = None

    @field_validator("favourite_event_types")
    @classmethod
    def _dedupe(cls, kinds: list[str] | None) -> list[str] | None:
        return None if kinds is None else list(dict.fromkeys(k.strip().lower() for k in kinds))


class CustomerOut(Out):
    id: int
    name: str
    email: str | None
    phone: str | None
    vip: bool
    birthday: date | None
    preferences: dict[str, Any]
    email_opt_in: bool
    sms_opt_in: bool
    marketing_opt_in: bool
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def do_not_call(self) -> bool:
        return bool(self.preferences.get("do_not_call"))


class NoteOut(Out):
    id: int
    customer_id: int
    kind: str
    body: str
    author: str
    created_at: datetime


class LinkOut(Out):
    customer_id: int
    related_id: int
    related_name: str
    relation: str


class OrderSummaryOut(Out):
    order_id: int
    event_id: int
    event_name: str
    event_starts_at: datetime
    status: str
    total_cents: int
    refunded_cents: int
    currency: str
    ticket_count: int
    created_at: datetime


# Shared lookups and the purchase-flow helper


async def _by_email(session: AsyncSession, email: str) -> Customer | None:
    query = select(Customer).where(func.lower(Customer.email) == email.strip().lower())
    return (await session.scalars(query.limit(1))).first()


async def _refuse_taken_email(session: AsyncSession, email: str, customer_id: int = 0) -> None:
    existing = await _by_email(session, email)
    if existing is not None and existing.id != customer_id:
        raise Conflict(
            f"{email} already belongs to {existing.name} (customer {existing.id}).",
            code="duplicate_email",
            existing_id=existing.id,
        )


def _check_birthday(birthday: date | None, now: datetime) -> None:
    if birthday is not None and not date(1900, 1, 1) <= birthday <= now.date():
        raise InvalidInput(f"birthday: {birthday.isoformat()} is not a plausible birth date.")


def registered_payload(customer: Customer, source: str) -> dict[str, Any]:
    """The `customer.registered` payload (no contact details: subscribers fetch the profile)."""
    return {"customer_id": customer.id, "vip": customer.vip, "source": source}


async def upsert_customer(
    session: AsyncSession,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    now: datetime,
    trusted: bool = False,
) -> tuple[Customer, bool]:
    """The buyer of an order (or a waitlist entry, or a ticket's new holder). Returns
    (customer, created); when created is True the caller emits
    `ctx.emit("customer.registered", registered_payload(customer, "purchase"))`.

    Public input (`trusted=False`) never changes an existing customer: anyone may type anyone's
    phone, so a record is reused only when what was given cannot redirect its messages. By email
    (any case): that record, as it is (its email is where its confirmations go, so they reach the
    address's owner). Else by phone only when neither side has an email (the same phone-only
    identity; texts go to that phone). Anything else is a new record, even when it shares a phone.
    Staff (`trusted=True`) may fill in a missing phone or email of the customer they match by
    email, else by phone (that record having no other email). A name is never overwritten."""
    email = email.strip().lower() if email else None
    try:
        phone = normalise_phone(phone) if phone else None
    except ValueError as exc:
        raise InvalidInput(f"phone: {exc}") from None
    customer = await _by_email(session, email) if email else None
    if customer is None and phone and (trusted or email is None):
        same_phone = (
            await session.scalars(
                select(Customer).where(Customer.phone == phone).order_by(Customer.id)
            )
        ).all()
        usable = [c for c in same_phone if email is None or c.email is None]
        if not trusted:
            usable = [c for c in usable if c.email is None]
        named = [c for c in usable if c.name_key == name_key(name)]
        customer = (named or usable or [None])[0]
    if customer is not None:
        if trusted:
            customer.email = customer.email or email
            customer.phone = customer.phone or phone
        return customer, False
    customer = Customer(
        name=name,
        name_key=name_key(name),
        email=email,
        phone=phone,
        preferences={},
        created_at=now,
    )
    session.add(customer)
    await session.flush()
    return customer, True


# Register, update, delete


class RegisterCustomerIn(In):
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    birthday: date | None = None
    vip: bool = False
    preferences: CustomerPreferences | None = None
    email_opt_in: bool = True
    sms_opt_in: bool = False
    marketing_opt_in: bool = False


@tool(
    category="customers",
    role="staff",
    undo="delete_customer",
    examples=["add Maria Lopez as a customer, maria@example.com", "register a new event goer"],
    http=HttpRoute("POST", EVENT_GOERS, 201),
    voice=speaks(
        "register|new customer|sign up|add customer|add as a customer|create customer|new regular|"
        "new punter|new patron",
        "customer",
        patterns=(
            r"(?:register|add|sign up|create)\s+(?:a new customer\s+)?"
            r"(?P<name>[A-Za-z][\w'.-]*(?: [A-Za-z][\w'.-]*)?)"
            r"(?: as a (?:new )?customer)?",
        ),
        say=lambda d, a, s: f"Registered {d['name']}.",
        slots={"name": "person_name"},
    ),
)
async def register_customer(ctx: ToolContext, args: RegisterCustomerIn) -> CustomerOut:
    """Register an event goer with contact details, birthday, preferences and opt-ins.

    An email already on file is refused, naming the customer who has it. Opt-ins are exactly
    what is given: a phone number alone does not opt anyone in to texts."""
    _check_birthday(args.birthday, ctx.now())
    if args.email:
        await _refuse_taken_email(ctx.session, args.email)
    fields = args.model_dump(exclude={"preferences"})
    prefs = args.preferences.model_dump(exclude_none=True) if args.preferences else {}
    row = Customer(**fields, name_key=name_key(args.name), preferences=prefs, created_at=ctx.now())
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.emit("customer.registered", registered_payload(row, "staff"))
    return CustomerOut.model_validate(row)


class UpdateCustomerIn(In):
    customer_id: Id
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    birthday: date | None = None
    email_opt_in: bool | None = None
    sms_opt_in: bool | None = None
    marketing_opt_in: bool | None = None


def _customer_changed(d: Data, a: Data, s: Speaks) -> str:
    said = [k.replace("_", " ") for k in ("email", "phone", "name") if k in a]
    what = listing(said) if said else "details"
    verb = "is" if len(said) == 1 else "are"
    return f"{d['name']}'s {what} {verb} updated."


@tool(
    category="customers",
    role="staff",
    idempotent=True,
    examples=["change John Smith's phone to 555 010 0199", "she no longer wants marketing email"],
    http=HttpRoute("PUT", EVENT_GOER),
    voice=speaks(
        "change phone|change email|update phone|update email|new number|"
        "new email|change number|phone to|email to",
        "phone email update",
        say=_customer_changed,
    ),
)
async def update_customer(ctx: ToolContext, args: UpdateCustomerIn) -> CustomerOut:
    """Change a customer's name, email, phone, birthday or opt-ins; only the fields given change.

    Email, phone and birthday may be set to null to remove them; name and opt-ins may not."""
    changes = require_changes(args, target="customer_id", clearable=("email", "phone", "birthday"))
    row = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    _check_birthday(args.birthday, ctx.now())
    if args.email:
        await _refuse_taken_email(ctx.session, args.email, row.id)
    for field, value in changes.items():
        setattr(row, field, value)
    if "name" in changes:
        row.name_key = name_key(row.name)
    ctx.emit("customer.updated", {"customer_id": row.id, "fields": sorted(changes)})
    return CustomerOut.model_validate(row)


class DeleteCustomerIn(In):
    customer_id: Id


class DeleteCustomerOut(Out):
    customer_id: int
    name: str
    deleted: bool = True


@tool(
    category="customers",
    role="admin",
    destructive=True,
    examples=["delete the duplicate customer record 42"],
    http=HttpRoute("DELETE", EVENT_GOER),
    voice=speaks("delete customer|remove customer|delete the customer", "delete"),
)
async def delete_customer(ctx: ToolContext, args: DeleteCustomerIn) -> DeleteCustomerOut:
    """Delete a customer with no orders or tickets, with their notes, links and waitlist places.

    Customers with purchase history are kept (the sales record needs them)."""
    row = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    bought = await ctx.session.scalar(select(func.count()).where(Order.customer_id == row.id))
    held = await ctx.session.scalar(select(func.count()).where(Ticket.customer_id == row.id))
    if bought or held:
        raise Conflict(
            f"{row.name} has {bought} order(s) and {held} ticket(s); "
            "customers with purchase history cannot be deleted."
        )
    link_rows = or_(CustomerLink.customer_id == row.id, CustomerLink.related_id == row.id)
    await ctx.session.execute(delete(CustomerLink).where(link_rows))
    await ctx.session.execute(delete(CustomerNote).where(CustomerNote.customer_id == row.id))
    await ctx.session.execute(delete(WaitlistEntry).where(WaitlistEntry.customer_id == row.id))
    await ctx.session.delete(row)
    ctx.emit("customer.deleted", {"customer_id": row.id})
    return DeleteCustomerOut(customer_id=row.id, name=row.name)


# Profile and tickets


class GetCustomerProfileIn(In):
    customer_id: Id
    history_limit: int = Field(default=20, ge=0, le=200)


class CustomerProfileOut(CustomerOut):
    lifetime_spend_cents: int
    order_count: int
    ticket_count: int
    events_attended: int
    last_order_at: datetime | None
    history: list[OrderSummaryOut]
    notes: list[NoteOut]
    links: list[LinkOut]


async def links_of(session: AsyncSession, customer_id: int) -> list[LinkOut]:
    query = (
        select(CustomerLink, Customer.name)
        .join(Customer, Customer.id == CustomerLink.related_id)
        .where(CustomerLink.customer_id == customer_id)
        .order_by(CustomerLink.id)
    )
    return [
        LinkOut(
            customer_id=link.customer_id,
            related_id=link.related_id,
            related_name=name,
            relation=link.relation,
        )
        for link, name in (await session.execute(query)).all()
    ]


def _profile(d: Data, a: Data, s: Speaks) -> str:
    vip = ", a VIP" if d.get("vip") else ""
    said = (
        f"{d['name']}{vip}: {count(d['order_count'], 'order')}, "
        f"{money(d['lifetime_spend_cents'])} spent."
    )
    contact = [phone(d["phone"])] if d.get("phone") else []
    contact += [d["email"]] if d.get("email") else []
    if d.get("do_not_call"):
        contact.append("do not call")
    elif re.search(r"\b(?:do not|don't|dont|no) call", s.focus.get("_text", ""), re.I):
        said += " Not on the do-not-call list."
    return f"{said} Contact: {', '.join(contact)}." if contact else said


@tool(
    category="customers",
    role="staff",
    read_only=True,
    examples=["tell me about John Smith", "how much has customer 12 spent with us?"],
    http=HttpRoute("GET", EVENT_GOER),
    voice=speaks(
        "tell me about|profile|who is|anything on file|been here before|come before|regular|"
        "on file|what do we know about|info on|"
        "how much has spent|spent with us|history|contact details|"
        "phone number|email address|details for",
        "customer spend contact who know info information",
        say=_profile,
    ),
)
async def get_customer_profile(ctx: ToolContext, args: GetCustomerProfileIn) -> CustomerProfileOut:
    """A customer's profile: contact, VIP, preferences, lifetime spend over all their orders
    (paid totals less refunds), tickets held, events attended, recent orders, notes and links."""
    row = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    spent = (
        await ctx.session.execute(
            select(
                func.coalesce(func.sum(Order.total_cents - Order.refunded_cents), 0),
                func.count(Order.id),
                func.max(Order.created_at),
            ).where(Order.customer_id == row.id, Order.status.in_(_SPENT))
        )
    ).one()
    attended = case((Ticket.checked_in_at.is_not(None), Ticket.event_id))
    tickets = (
        await ctx.session.execute(
            select(
                func.count(Ticket.id).filter(Ticket.status.not_in(DEAD_TICKETS)),
                func.count(distinct(attended)),
            ).where(Ticket.customer_id == row.id)
        )
    ).one()
    per_order = select(func.count(Ticket.id)).where(Ticket.order_id == Order.id).scalar_subquery()
    history = await ctx.session.execute(
        select(
            Order.id.label("order_id"),
            Order.event_id,
            Event.name.label("event_name"),
            Event.starts_at.label("event_starts_at"),
            Order.status,
            Order.total_cents,
            Order.refunded_cents,
            Order.currency,
            per_order.label("ticket_count"),
            Order.created_at,
        )
        .join(Event, Event.id == Order.event_id)
        .where(Order.customer_id == row.id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(args.history_limit)
    )
    notes = await ctx.session.scalars(
        select(CustomerNote)
        .where(CustomerNote.customer_id == row.id)
        .order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
        .limit(20)
    )
    return CustomerProfileOut(
        **CustomerOut.model_validate(row).model_dump(),
        lifetime_spend_cents=spent[0],
        order_count=spent[1],
        last_order_at=spent[2],
        ticket_count=tickets[0],
        events_attended=tickets[1],
        history=[OrderSummaryOut.model_validate(dict(h)) for h in history.mappings()],
        notes=[NoteOut.model_validate(n) for n in notes],
        links=await links_of(ctx.session, row.id),
    )


class GetCustomerTicketsIn(Page):
    customer_id: Id
    event_id: Id | None = None


class CustomerTicketOut(Out):
    ticket_id: int
    order_id: int
    event_id: int
    event_name: str
    event_starts_at: datetime
    tier_id: int
    tier_name: str
    holder_name: str
    holder_customer_id: int
    bought_by_customer_id: int
    status: str
    price_cents: int
    checked_in_at: datetime | None
    qr_token: str


class GetCustomerTicketsOut(Out):
    tickets: list[CustomerTicketOut]
    total: int


def _customer_tickets(d: Data, a: Data, s: Speaks) -> str:
    tickets = d.get("tickets", [])
    who = s.focus.get("customer_name") or "They"
    if not tickets:
        return f"{who} has no tickets."
    shows = listing(sorted({t["event_name"] for t in tickets}))
    said = f"{who} has {count(d.get('total', len(tickets)), 'ticket')}, for {shows}"
    gone = [t["status"] for t in tickets if t["status"] in ("refunded", "cancelled")]
    if gone:
        return f"{said}; {count(len(gone), 'ticket')} refunded or cancelled."
    if re.search(r"\brefund", s.focus.get("_text", ""), re.I):
        return f"{said}; none refunded."
    return f"{said}."


@tool(
    category="customers",
    role="staff",
    read_only=True,
    examples=["what tickets does Jane Doe have?", "resend John's tickets for tonight"],
    http=HttpRoute("GET", EVENT_GOER + "/tickets"),
    voice=speaks(
        "his tickets|her tickets|their tickets|tickets did buy|tickets has bought|"
        "tickets is holding|tickets does hold|got booked|booked in for|tickets for what|"
        "pull up tickets|look up tickets|bring up tickets",
        "holds bought",
        say=_customer_tickets,
    ),
)
async def get_customer_tickets(
    ctx: ToolContext, args: GetCustomerTicketsIn
) -> GetCustomerTicketsOut:
    """Tickets a customer holds or bought for others, newest show first, with event, tier,
    holder, status and QR token (for resending)."""
    await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    mine = or_(Ticket.customer_id == args.customer_id, Order.customer_id == args.customer_id)
    query = select(
        Ticket.id.label("ticket_id"),
        Ticket.order_id,
        Ticket.event_id,
        Event.name.label("event_name"),
        Event.starts_at.label("event_starts_at"),
        Ticket.tier_id,
        TicketTier.name.label("tier_name"),
        Ticket.holder_name,
        Ticket.customer_id.label("holder_customer_id"),
        Order.customer_id.label("bought_by_customer_id"),
        Ticket.status,
        Ticket.price_cents,
        Ticket.checked_in_at,
        Ticket.qr_token,
    )
    query = query.join(Order, Order.id == Ticket.order_id).join(Event, Event.id == Ticket.event_id)
    query = query.join(TicketTier, TicketTier.id == Ticket.tier_id).where(mine)
    if args.event_id is not None:
        query = query.where(Ticket.event_id == args.event_id)
    total = await ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await ctx.session.execute(
        query.order_by(Event.starts_at.desc(), Ticket.id).limit(args.limit).offset(args.offset)
    )
    return GetCustomerTicketsOut(
        total=total or 0,
        tickets=[CustomerTicketOut.model_validate(dict(t)) for t in rows.mappings()],
    )


# Search and lookup


class SearchCustomersIn(Page):
    q: str = Field(default="", max_length=200, description="A name, an email or a phone number.")
    vip: bool | None = None


class CustomerMatchOut(CustomerOut):
    match: Literal["all", "email", "phone", "name", "fuzzy_name"]
    score: int = Field(description="100 for exact and substring matches; else similarity.")


class SearchCustomersOut(Out):
    customers: list[CustomerMatchOut]
    total: int


def _fuzzy(query: str, rows: list[tuple[int, str]]) -> dict[int, int]:
    """Scores ≥ FUZZY_CUTOFF: whole name (word order ignored) or the same number of words."""
    scores: dict[int, int] = {}
    width = len(query.split())
    windows: list[tuple[int, str]] = []
    for ident, key in rows:
        words = key.split()
        windows += [(ident, " ".join(words[i : i + width])) for i in range(len(words) - width + 1)]
    for choices, scorer in ((rows, fuzz.token_sort_ratio), (windows, fuzz.ratio)):
        found = process.extract(
            query,
            [text for _, text in choices],
            scorer=scorer,
            score_cutoff=FUZZY_CUTOFF,
            limit=None,
        )
        for _, score, index in found:
            ident = choices[index][0]
            scores[ident] = max(scores.get(ident, 0), round(score))
    return scores


async def _matches(ctx: ToolContext, q: str, base: Select[Any]) -> list[tuple[int, str, int]]:
    """(customer id, how it matched, score), best first."""
    if "@" in q:
        rows = await ctx.session.execute(base.where(func.lower(Customer.email) == q.lower()))
        return [(ident, "email", 100) for ident, _ in rows.all()]
    if _PHONE_LIKE.match(q) and sum(ch.isdigit() for ch in q) >= 7:
        try:
            phone = normalise_phone(q)
        except ValueError:
            return []
        rows = await ctx.session.execute(base.where(Customer.phone == phone))
        return [(ident, "phone", 100) for ident, _ in rows.all()]
    key = name_key(q)
    pattern = f"%{like_escape(key)}%"
    exact = await ctx.session.execute(
        base.where(Customer.name_key.ilike(pattern, escape="\\")).order_by(
            (Customer.name_key != key), Customer.name_key, Customer.id
        )
    )
    found = [(ident, "name", 100) for ident, _ in exact.all()]
    if len(key) < 3:
        return found
    seen = {ident for ident, _, _ in found}
    rest = [(i, k) for i, k in (await ctx.session.execute(base)).all() if i not in seen]
    fuzzy = sorted(_fuzzy(key, rest).items(), key=lambda item: (-item[1], item[0]))
    return found + [(ident, "fuzzy_name", score) for ident, score in fuzzy]


def _search(d: Data, a: Data, s: Speaks) -> str:
    found = d.get("customers", [])
    if not found:
        return "I found nobody by that."
    return f"Found {count(d['total'], 'customer')}: {listing([c['name'] for c in found])}."


@tool(
    category="customers",
    role="staff",
    read_only=True,
    examples=["find Jon Smith", "who has the number (555) 010-0104?", "list our VIP customers"],
    http=HttpRoute("GET", EVENT_GOERS),
    voice=speaks(
        "find|search|look for customer|look for someone|who has the number|whose number|"
        "find customer|which vips|our vips|list vips|vip customers|who are the vips",
        "customer",
        say=_search,
    ),
)
async def search_customers(ctx: ToolContext, args: SearchCustomersIn) -> SearchCustomersOut:
    """Find customers by name (substring matches first, then near spellings), by exact email,
    or by exact phone in any format; empty text lists everyone. Each result says how it matched."""
    base = select(Customer.id, Customer.name_key)
    if args.vip is not None:
        base = base.where(Customer.vip == args.vip)
    if args.q:
        hits = await _matches(ctx, args.q, base)
        total, page = len(hits), hits[args.offset : args.offset + args.limit]
    else:
        total = await ctx.session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = await ctx.session.execute(
            base.order_by(Customer.name_key, Customer.id).limit(args.limit).offset(args.offset)
        )
        page = [(ident, "all", 100) for ident, _ in rows.all()]
    found = await ctx.session.scalars(select(Customer).where(Customer.id.in_([h[0] for h in page])))
    by_id = {c.id: c for c in found}
    return SearchCustomersOut(
        total=total,
        customers=[
            CustomerMatchOut(
                **CustomerOut.model_validate(by_id[ident]).model_dump(),
                match=how,
                score=score,
            )
            for ident, how, score in page
        ],
    )


class LookupCustomerIn(In):
    email: Email | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _one_key(self) -> LookupCustomerIn:
        if (self.email is None) == (self.phone is None):
            raise ValueError("give exactly one of email or phone")
        return self


@tool(
    category="customers",
    role="staff",
    read_only=True,
    examples=["look up the customer with email jane@example.com", "whose number is 555-010-0104?"],
    http=HttpRoute("GET", EVENT_GOERS + "/lookup"),
    voice=speaks("look up the customer|whose email|whose number|who has email", "lookup"),
)
async def lookup_customer(ctx: ToolContext, args: LookupCustomerIn) -> CustomerOut:
    """The one customer with exactly this email (any case) or phone (any format)."""
    if args.email:
        row = await _by_email(ctx.session, args.email)
        if row is None:
            raise NotFound(f"No customer has the email {args.email}.")
        return CustomerOut.model_validate(row)
    rows = (
        await ctx.session.scalars(
            select(Customer).where(Customer.phone == args.phone).order_by(Customer.id)
        )
    ).all()
    if not rows:
        raise NotFound(f"No customer has the phone number {args.phone}.")
    if len(rows) > 1:
        options = [{"id": c.id, "name": c.name} for c in rows]
        names = ", ".join(c.name for c in rows)
        raise Ambiguous(f"{args.phone} is shared by {names}; which one?", options=options)
    return CustomerOut.model_validate(rows[0])
