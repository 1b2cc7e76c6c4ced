"""Customer relations: notes (insights, do-not-call), preferences, VIP, and family/party links."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import InvalidInput, NotFound
from persistence.models import (
    Customer,
    CustomerLink,
    CustomerNote,
    Order,
    Ticket,
)

from .common import (
    Id,
    In,
    Out,
    Page,
    get_or_404,
    name_key,
    require_changes,
)
from .context import ToolContext
from .customers import (
    EVENT_GOER,
    INVERSE_RELATION,
    CustomerOut,
    CustomerPreferences,
    LinkOut,
    NoteKind,
    NoteOut,
    Relation,
    links_of,
)
from .phrasing import count, listing
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks

# Notes, preferences, VIP, do-not-call


class AddCustomerNoteIn(In):
    customer_id: Id
    body: str = Field(min_length=1, max_length=4000)
    kind: NoteKind = "note"


@tool(
    category="customers",
    role="staff",
    examples=["note that Maria prefers aisle seats", "remember he proposed at the last show"],
    http=HttpRoute("POST", EVENT_GOER + "/notes", 201),
    voice=speaks(
        "note that|make a note|remember that|add a note|write down|jot down|allergic|"
        "put a note|stick a note|pop a note|leave a note|note on file|"
        "is vegetarian|is vegan|is gluten|is diabetic|hates|loves|doesn't like|does not like",
        "note",
        patterns=(
            r"(?:note|remember|write down)(?: that)?\s+(?:(?:on|to|in|for)\s+[\w' ]{1,40}?\s*"
            r"(?:file|record|account|profile)\b[,:;]?\s*)?(?P<body>.+)$",
        ),
        say=lambda d, a, s: (
            f"Noted for {s.focus.get('customer_name') or 'them'}: {d['body'].rstrip('.')}."
        ),
        slots={"body": "note_body"},
    ),
)
async def add_customer_note(ctx: ToolContext, args: AddCustomerNoteIn) -> NoteOut:
    """Add a note to a customer: a plain note, an insight learned in conversation, or a
    do-not-call request (which also sets the customer's do-not-call flag)."""
    row = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    if args.kind == "do_not_call":
        _flag_do_not_call(ctx, row, True)
    return await _add_note(ctx, row.id, args.kind, args.body)


async def _add_note(ctx: ToolContext, customer_id: int, kind: str, body: str) -> NoteOut:
    note = CustomerNote(
        customer_id=customer_id, kind=kind, body=body, author=ctx.actor.name, created_at=ctx.now()
    )
    ctx.session.add(note)
    await ctx.session.flush()
    return NoteOut.model_validate(note)


def _flag_do_not_call(ctx: ToolContext, row: Customer, flag: bool) -> bool:
    """Set or clear the do-not-call flag (kept in preferences); True, with an event, if changed."""
    if bool(row.preferences.get("do_not_call")) == flag:
        return False
    prefs = {key: value for key, value in row.preferences.items() if key != "do_not_call"}
    row.preferences = {**prefs, "do_not_call": True} if flag else prefs
    ctx.emit("customer.do_not_call", {"customer_id": row.id, "do_not_call": flag})
    return True


class GetCustomerNotesIn(Page):
    customer_id: Id
    kind: NoteKind | None = None


class GetCustomerNotesOut(Out):
    notes: list[NoteOut]
    total: int


def _notes(d: Data, a: Data, s: Speaks) -> str:
    bodies = [n["body"].rstrip(".") for n in d.get("notes") or []]
    if not bodies:
        return "There are no notes on file."
    who = s.focus.get("customer_name")
    head = f"Notes on {who}" if who else count(d.get("total", len(bodies)), "note")
    more = d.get("total", len(bodies)) - 3
    tail = f"; and {count(more, 'more note')}" if more > 0 else ""
    return f"{head}: {'; '.join(bodies[:3])}{tail}."


@tool(
    category="customers",
    role="staff",
    read_only=True,
    examples=["what notes do we have on John Smith?", "show insights about customer 7"],
    http=HttpRoute("GET", EVENT_GOER + "/notes"),
    voice=speaks(
        "notes on|what notes|notes about|show notes|any allergies|allergies|dietary|"
        "read back|read me back|"
        "anything to know about|anything i should know",
        "notes",
        say=_notes,
    ),
)
async def get_customer_notes(ctx: ToolContext, args: GetCustomerNotesIn) -> GetCustomerNotesOut:
    """A customer's notes, newest first, optionally only one kind (note, insight, do_not_call)."""
    await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    query = select(CustomerNote).where(CustomerNote.customer_id == args.customer_id)
    if args.kind is not None:
        query = query.where(CustomerNote.kind == args.kind)
    total = await ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    query = query.order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
    rows = await ctx.session.scalars(query.limit(args.limit).offset(args.offset))
    return GetCustomerNotesOut(notes=[NoteOut.model_validate(n) for n in rows], total=total or 0)


class UpdateCustomerPreferencesIn(CustomerPreferences):
    customer_id: Id


@tool(
    category="customers",
    role="staff",
    idempotent=True,
    examples=["Maria likes aisle seats and jazz", "he prefers to be contacted by text, in Spanish"],
    http=HttpRoute("PATCH", EVENT_GOER + "/preferences"),
    voice=speaks(
        "preference|aisle seat|wheelchair|contact by|front row|back row|speaks|would rather|"
        "rather be|prefers to be|prefer to be|only text|only email|only call|reach by|"
        "contacted by|get in touch by|best way to reach|rather email|rather text|rather call|"
        "rather phone|prefer email|prefer text|prefer call|prefer phone",
        "seating language accessibility prefer like speak seat access",
    ),
)
async def update_customer_preferences(
    ctx: ToolContext, args: UpdateCustomerPreferencesIn
) -> CustomerOut:
    """Set a customer's seating, language, contact method, favourite event types or
    accessibility needs; fields not given are kept, and null removes one."""
    changes = require_changes(
        args, target="customer_id", clearable=CustomerPreferences.model_fields
    )
    row = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    merged = {**row.preferences, **changes}
    row.preferences = {key: value for key, value in merged.items() if value is not None}
    return CustomerOut.model_validate(row)


class SetVipStatusIn(In):
    customer_id: Id
    vip: bool = True


@tool(
    category="customers",
    role="staff",
    idempotent=True,
    undo="set_vip_status",
    examples=["make Jane Doe a VIP", "John is no longer a VIP"],
    http=HttpRoute("PUT", EVENT_GOER + "/vip"),
    voice=speaks(
        "vip|make vip|no longer vip",
        "vip",
        flags={"vip": (r"$^", r"\b(no longer|not|remove|take away|isn't|revoke)\b")},
        say=lambda d, a, s: f"{d['name']} is {'now' if d['vip'] else 'no longer'} a VIP.",
    ),
)
async def set_vip_status(ctx: ToolContext, args: SetVipStatusIn) -> CustomerOut:
    """Make a customer a VIP, or (vip=false) take the status away."""
    row = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    if row.vip != args.vip:
        row.vip = args.vip
        ctx.emit("customer.vip_changed", {"customer_id": row.id, "vip": args.vip})
    return CustomerOut.model_validate(row)


class MarkDoNotCallIn(In):
    customer_id: Id
    reason: str = Field(default="", max_length=1000)
    do_not_call: bool = Field(default=True, description="false lifts an earlier request.")


@tool(
    category="customers",
    role="staff",
    idempotent=True,
    examples=["don't call John Smith again", "put customer 9 on the do-not-call list"],
    http=HttpRoute("POST", EVENT_GOER + "/do-not-call"),
    voice=speaks(
        "do not call|don't call|dont call|stop calling|no more calls|never phone|never call|"
        "don't phone|do not phone|stop phoning|never ring|no phone calls|not be called|"
        "want us phoning|want us calling|want us to call|want us to phone|phoning any more|"
        "calling any more|stop ringing|no more calls",
        "call",
    ),
)
async def mark_do_not_call(ctx: ToolContext, args: MarkDoNotCallIn) -> CustomerOut:
    """Record that a customer must not be phoned (campaigns and outbound calls skip them), with
    a note saying why; do_not_call=false lifts it (also noted)."""
    row = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    if _flag_do_not_call(ctx, row, args.do_not_call):
        if args.do_not_call:
            await _add_note(ctx, row.id, "do_not_call", args.reason or "Asked not to be called.")
        else:
            await _add_note(ctx, row.id, "note", f"Calls allowed again. {args.reason}".strip())
    return CustomerOut.model_validate(row)


# Family and party links


class LinkCustomersIn(In):
    customer_id: Id
    related_id: Id = Field(description="The other customer: customer_id's <relation>.")
    relation: Relation
    inverse_relation: Relation | None = Field(
        default=None, description="The relation seen from related_id; derived when obvious."
    )


class LinkCustomersOut(Out):
    links: list[LinkOut]


async def _set_link(
    session: AsyncSession, customer_id: int, related_id: int, relation: str, now: datetime
) -> None:
    link = (
        await session.scalars(
            select(CustomerLink).where(
                CustomerLink.customer_id == customer_id, CustomerLink.related_id == related_id
            )
        )
    ).first()
    if link is None:
        session.add(
            CustomerLink(
                customer_id=customer_id, related_id=related_id, relation=relation, created_at=now
            )
        )
    else:
        link.relation = relation


def _linked(d: Data, a: Data, s: Speaks) -> str:
    """LinkOut(customer_id=X, related_id=Y): Y is X's relation."""
    first = d["links"][0]
    back = next((k for k in d["links"] if k["customer_id"] == first["related_id"]), None)
    owner = f"{back['related_name']}'s" if back else "their"
    return f"Linked: {first['related_name']} is {owner} {first['relation']}."


@tool(
    category="customers",
    role="staff",
    idempotent=True,
    undo="unlink_customers",
    examples=["Mary is John Smith's wife", "link customer 4 and 5 as friends"],
    http=HttpRoute("POST", EVENT_GOER + "/links", 201),
    voice=speaks(
        "is the wife of|wife is|husband is|are married|is related|link",
        "wife husband married related colleague coworker cousin sibling partner relative "
        "brother sister son daughter mother father friend",
        say=_linked,
        slots={
            "inverse_relation": "relation_ignored",
            "relation": "relation",
            "customer_id": "link_subject",
            "related_id": "link_object",
        },
    ),
)
async def link_customers(ctx: ToolContext, args: LinkCustomersIn) -> LinkCustomersOut:
    """Declare how two customers are related ("related_id is customer_id's wife"). The other
    direction is stored too when it is obvious (wife → husband, son → parent, friend → friend)
    or given as inverse_relation. Linking again changes the relation."""
    if args.customer_id == args.related_id:
        raise InvalidInput("A customer cannot be linked to themselves.")
    first = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    other = await get_or_404(ctx.session, Customer, args.related_id, "customer")
    await _set_link(ctx.session, first.id, other.id, args.relation, ctx.now())
    inverse = args.inverse_relation or INVERSE_RELATION.get(args.relation)
    if inverse is not None:
        await _set_link(ctx.session, other.id, first.id, inverse, ctx.now())
    await ctx.session.flush()
    links = await links_of(ctx.session, first.id) + await links_of(ctx.session, other.id)
    pair = {first.id, other.id}
    return LinkCustomersOut(links=[k for k in links if {k.customer_id, k.related_id} == pair])


class UnlinkCustomersIn(In):
    customer_id: Id
    related_id: Id


class UnlinkCustomersOut(Out):
    removed: int


@tool(
    category="customers",
    role="staff",
    idempotent=True,
    undo="link_customers",
    examples=["John and Mary are not related", "remove the link between customers 4 and 5"],
    http=HttpRoute("DELETE", EVENT_GOER + "/links/{related_id}"),
    voice=speaks("not related|unlink|remove the link", "unlink"),
)
async def unlink_customers(ctx: ToolContext, args: UnlinkCustomersIn) -> UnlinkCustomersOut:
    """Remove the declared relation between two customers, in both directions."""
    pair = or_(
        (CustomerLink.customer_id == args.customer_id)
        & (CustomerLink.related_id == args.related_id),
        (CustomerLink.customer_id == args.related_id)
        & (CustomerLink.related_id == args.customer_id),
    )
    result = await ctx.session.execute(delete(CustomerLink).where(pair))
    removed = result.rowcount  # type: ignore[attr-defined]
    if not removed:
        raise NotFound(f"Customers {args.customer_id} and {args.related_id} are not linked.")
    return UnlinkCustomersOut(removed=removed)


class GetCustomerPartyIn(In):
    customer_id: Id
    event_id: Id | None = Field(default=None, description="Only orders for this event count.")


class PartyMemberOut(Out):
    customer_id: int
    name: str
    relation: str | None = Field(description="Declared relation to the customer, if any.")
    shared_orders: int = Field(description="Orders one bought with a ticket for the other.")


class GetCustomerPartyOut(Out):
    customer_id: int
    name: str
    members: list[PartyMemberOut]
    guest_names: list[str] = Field(description="Other names on this customer's own tickets.")


def _party(d: Data, a: Data, s: Speaks) -> str:
    names = [
        f"{m['name']} ({m['relation']})" if m.get("relation") else m["name"] for m in d["members"]
    ]
    names += d.get("guest_names", [])
    if not names:
        return f"{d['name']} has no party on record."
    return f"With {d['name']}: {listing(names)}."


@tool(
    category="customers",
    role="staff",
    read_only=True,
    examples=["who came with John Smith?", "check in Maria's party", "who is his wife?"],
    http=HttpRoute("GET", EVENT_GOER + "/party"),
    voice=speaks(
        "who came with|who is with|party of|his wife|her husband|family of|who is his|who is her",
        "party family relative",
        say=_party,
        scope="group",
    ),
)
async def get_customer_party(ctx: ToolContext, args: GetCustomerPartyIn) -> GetCustomerPartyOut:
    """A customer's family and party: declared relations (wife, son, friend …) plus everyone
    who held a ticket in an order they bought, or bought an order they held a ticket in, and
    the other names on tickets they hold. event_id narrows the orders to one show."""
    row = await get_or_404(ctx.session, Customer, args.customer_id, "customer")
    relations = await _relations(ctx.session, row.id)
    shared, guests = await _shared_orders(ctx.session, row, args.event_id)
    ids = set(relations) | set(shared)
    names = await ctx.session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_(ids))
    )
    members = [
        PartyMemberOut(
            customer_id=ident, name=name, relation=relations.get(ident),
            shared_orders=shared.get(ident, 0),
        )
        for ident, name in names.all()
    ]  # fmt: skip
    members.sort(key=lambda m: (m.customer_id not in relations, -m.shared_orders, m.name.lower()))
    return GetCustomerPartyOut(
        customer_id=row.id, name=row.name, members=members, guest_names=guests
    )


async def _relations(session: AsyncSession, customer_id: int) -> dict[int, str | None]:
    """Everyone linked to the customer, with the relation as the customer declared it (None
    when only the other side declared one)."""
    links = await session.execute(
        select(CustomerLink.customer_id, CustomerLink.related_id, CustomerLink.relation).where(
            or_(CustomerLink.customer_id == customer_id, CustomerLink.related_id == customer_id)
        )
    )
    relations: dict[int, str | None] = {}
    for owner, related, relation in links.all():
        if owner == customer_id:
            relations[related] = relation
        else:
            relations.setdefault(owner, None)
    return relations


async def _shared_orders(
    session: AsyncSession, customer: Customer, event_id: int | None
) -> tuple[dict[int, int], list[str]]:
    """Who shared orders with the customer (bought them a ticket, or got one from them), with
    how many orders; and the other names on tickets the customer bought and holds."""
    query = select(Order.id, Order.customer_id, Ticket.customer_id, Ticket.holder_name)
    query = query.join(Ticket, Ticket.order_id == Order.id).where(
        or_(Order.customer_id == customer.id, Ticket.customer_id == customer.id)
    )
    if event_id is not None:
        query = query.where(Order.event_id == event_id)
    orders: dict[int, set[int]] = {}
    guests: set[str] = set()
    for order_id, buyer, holder, holder_name in (await session.execute(query)).all():
        if buyer != holder:
            orders.setdefault(holder if buyer == customer.id else buyer, set()).add(order_id)
        elif name_key(holder_name) != customer.name_key:
            guests.add(holder_name)
    return {ident: len(ids) for ident, ids in orders.items()}, sorted(guests)
