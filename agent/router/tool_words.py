"""The curated words for each tool, keyed by tool name: data, not code. Phrases are strong
signals (several words in order), words weaker ones, patterns fill text slots, flags set booleans.
A tool missing here still gets the words of its name, description and examples (lexicon.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ToolWords:
    phrases: tuple[str, ...] = ()  # strong signals; several words must appear in order
    words: tuple[str, ...] = ()  # weaker nouns and verbs
    patterns: tuple[str, ...] = ()  # regexes with named groups filling text slots
    flags: dict[str, tuple[str, str]] = field(default_factory=dict)  # bool field: (true, false)


def W(
    phrases: str = "",
    words: str = "",
    patterns: tuple[str, ...] = (),
    flags: dict[str, tuple[str, str]] | None = None,
) -> ToolWords:
    return ToolWords(
        tuple(p.strip() for p in phrases.split("|") if p.strip()),
        tuple(words.split()),
        patterns,
        flags or {},
    )


_NAME = r"(?P<name>[\w'. -]+?)"
TOOL_WORDS: dict[str, ToolWords] = {
    # check-in
    "check_in_by_name": W(
        "check in|checkin|check-in|arrive|is here|are here|just got here|let in|admit|showed up|"
        "let thru|let through",
        "door entry",
        flags={"all_tickets": (r"\b(all|every|both)\b", r"$^")},
    ),
    "check_in_party": W(
        "whole party|entire party|check in the party|family is here|all of them|let them all in|"
        "party is here|whole family|whole group",
        "party group family everyone",
    ),
    "check_in_ticket": W("scan|qr code|qr", "validate token"),
    "undo_check_in": W("uncheck|check out|by mistake checked|undo check in", "mistake"),
    "get_checkin_stats": W(
        "how many check in|how many are in|how many have arrive|door going|"
        "checked in so far|how many people are here|headcount|head count|how many scanned|"
        "how many in the room|how many inside|how many through|through the door|"
        "door looking|how is the door|no shows|no-shows|still to come|yet to arrive|not in yet",
        "attendance turnout",
    ),
    # sales and reports
    "get_revenue_report": W(
        "revenue|how much money|how much did we make|how much have we made|"
        "takings|earn|make last|sales report|income",
        "money total gross",
    ),
    "get_event_sales": W(
        "how many have we sell|how many did we sell|how many sell|sales for|"
        "how are sales|sell through|how much has|pulled in for|brought in for|how many gone|"
        "how many went",
        "sales sell",
    ),
    "get_ticket_availability": W(
        "how many left|tickets left|seats left|sold out|still available|"
        "remaining|availability|any left|how many tickets are left",
        "left remain available capacity",
    ),
    "purchase_tickets": W(
        "sell|book|comp|buy|purchase|reserve|get him|get her", "cash ticket order"
    ),
    "list_orders": W("orders for|list orders|show orders|his orders|her orders", "orders"),
    "get_order": W("order details|show order|look up order", "order"),
    # tickets
    "refund_ticket": W(
        "refund|money back|reimburse|give back|dollars back|bucks back|back on ticket|"
        "partial refund",
        "refund",
    ),
    "refund_order": W("refund the whole order|refund all|refund every|refund the order", "order"),
    "cancel_ticket": W("void|cancel ticket|cancel the ticket|scrap the ticket", "void"),
    "transfer_ticket": W(
        "transfer|give ticket to|move ticket to|reassign|put in name|giving her ticket|"
        "giving his ticket",
        "transfer",
        patterns=(r"\b(?:to|for)\s+(?P<to_name>[A-Za-z][\w'.-]+(?: [A-Z][\w'.-]+)?)\s*$",),
    ),
    "get_ticket": W(
        "look up ticket|ticket status|status of ticket|ticket still valid", "ticket valid status"
    ),
    "get_ticket_qr": W("qr code for|show qr|qr image", "qr"),
    "get_ticket_status": W("is this qr valid|is this code valid", "qr valid"),
    "guest_list": W(
        "guest list|who is coming|who has not checked in|who hasn't checked in|"
        "who's coming|list guests|who is on the list",
        "guest attendee",
    ),
    # customers
    "get_customer_profile": W(
        "tell me about|profile|who is|anything on file|been here before|come before|regular|"
        "on file|what do we know about|info on|"
        "how much has spent|spent with us|history|contact details|"
        "phone number|email address|details for",
        "customer spend contact who know info information",
    ),
    "get_customer_tickets": W(
        "his tickets|her tickets|their tickets|tickets did buy|tickets has bought|"
        "tickets is holding|tickets does hold|got booked|booked in for|tickets for what|"
        "pull up tickets|look up tickets|bring up tickets",
        "holds bought",
    ),
    "get_customer_party": W(
        "who came with|who is with|party of|his wife|her husband|family of|who is his|who is her",
        "party family relative",
    ),
    "search_customers": W(
        "find|search|look for customer|look for someone|who has the number|whose number|"
        "find customer|which vips|our vips|list vips|vip customers|who are the vips",
        "customer",
    ),
    "lookup_customer": W("look up the customer|whose email|whose number|who has email", "lookup"),
    "register_customer": W(
        "register|new customer|sign up|add customer|add as a customer|create customer|new regular|"
        "new punter|new patron",
        "customer",
        patterns=(
            r"(?:register|add|sign up|create)\s+(?:a new customer\s+)?"
            r"(?P<name>[A-Za-z][\w'.-]*(?: [A-Za-z][\w'.-]*)?)"
            r"(?: as a (?:new )?customer)?",
        ),
    ),
    "update_customer": W(
        "change phone|change email|update phone|update email|new number|"
        "new email|change number|phone to|email to",
        "phone email update",
    ),
    "update_customer_preferences": W(
        "preference|aisle seat|wheelchair|contact by|front row|back row|speaks|would rather|"
        "rather be|prefers to be|prefer to be|only text|only email|only call|reach by|"
        "contacted by|get in touch by|best way to reach|rather email|rather text|rather call|"
        "rather phone|prefer email|prefer text|prefer call|prefer phone",
        "seating language accessibility prefer like speak seat access",
    ),
    "set_vip_status": W(
        "vip|make vip|no longer vip",
        "vip",
        flags={"vip": (r"$^", r"\b(no longer|not|remove|take away|isn't|revoke)\b")},
    ),
    "mark_do_not_call": W(
        "do not call|don't call|dont call|stop calling|no more calls|never phone|never call|"
        "don't phone|do not phone|stop phoning|never ring|no phone calls|not be called|"
        "want us phoning|want us calling|want us to call|want us to phone|phoning any more|"
        "calling any more|stop ringing|no more calls",
        "call",
    ),
    "add_customer_note": W(
        "note that|make a note|remember that|add a note|write down|jot down|allergic|"
        "put a note|stick a note|pop a note|leave a note|note on file|"
        "is vegetarian|is vegan|is gluten|is diabetic|hates|loves|doesn't like|does not like",
        "note",
        patterns=(
            r"(?:note|remember|write down)(?: that)?\s+(?:(?:on|to|in|for)\s+[\w' ]{1,40}?\s*"
            r"(?:file|record|account|profile)\b[,:;]?\s*)?(?P<body>.+)$",
        ),
    ),
    "get_customer_notes": W(
        "notes on|what notes|notes about|show notes|any allergies|allergies|dietary|"
        "read back|read me back|"
        "anything to know about|anything i should know",
        "notes",
    ),
    "link_customers": W(
        "is the wife of|wife is|husband is|are married|is related|link",
        "wife husband married related colleague coworker cousin sibling partner relative "
        "brother sister son daughter mother father friend",
    ),
    "unlink_customers": W("not related|unlink|remove the link", "unlink"),
    "delete_customer": W("delete customer|remove customer|delete the customer", "delete"),
    # events
    "list_events": W(
        "what's on|whats on|what is on|upcoming|list events|events this|"
        "what shows|what events|coming up|schedule|calendar|anything on|anything happening|"
        "anything this week|anything this weekend|anything good|any shows on|any gigs on|"
        "is there anything on|are there any shows on|any show on|what's happening",
        "event show schedule",
    ),
    "get_event": W(
        "tell me about|when is|what time is|details of|start|how long is|what time does end|"
        "finish|when does end|next show|next event",
        "when",
    ),
    "create_event": W(
        "create event|new event|add event|schedule a|add a show|create a show",
        "create",
        patterns=(
            r"(?:called|named)\s+(?P<name>.+?)(?:\s+(?:on|at|for|next|this|"
            r"tomorrow)\b|$)",
            r"^(?:please\s+)?(?:schedule|pencil in|book in)\s+(?:a\s+(?:new\s+)?"
            r"(?:show|event|gig)\s+)?(?P<name>(?-i:[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*)*))",
        ),
    ),
    "update_event": W(
        "rename|change the description|change description|update the event|describe|"
        "new description|description to|description as",
        "rename description",
        patterns=(
            r"rename\s+.+?\s+to\s+(?P<name>.+)$",
            r"\bcall\s+.+?\s+(?P<name>(?-i:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*))\s+instead\b",
        ),
    ),
    "postpone_event": W(
        "postpone|push back|reschedule|move to|delay|bring forward|move up|hour later|"
        "bumped back|bumped forward|shifted to|pushed to|moved to|push to|"
        "hours later|day later|week later|minutes later|minutes earlier|hour earlier",
        "postpone",
    ),
    "cancel_event": W(
        "cancel the event|cancel the show|call off|cancel tonight|cancel jazz|cancel|is off|"
        "is cancelled|is canceled|not happening|refund everyone|refund everybody|called off",
        "cancel",
    ),
    "delete_event": W("delete the event|delete event|delete the show", "delete"),
    "set_event_visibility": W(
        "hide|make public|unlisted|draft|unhide|visible|off the public site|off the site|"
        "off the website|take down|off the listings|back on the site|back on the website|"
        "hide from the public|show on the site|public again",
        "visibility hide public",
    ),
    "create_recurring_event": W(
        "every week|weekly|recurring|every thursday|every friday|series", "recurring weekly monthly"
    ),
    "update_event_series": W("every event in the series|rename the series", "series"),
    "list_categories": W(
        "what categories|which categories|list categories|categories we have|"
        "categories do we|all the categories|categories we use|sort shows into",
        "categories category",
    ),
    "create_category": W(
        "create a category|new category|add a category|need a category|want a category|"
        "make a category|set up a category|start a category",
        "category",
    ),
    "update_category": W("rename the category|change category", "category"),
    "delete_category": W("delete the category|remove the category", "category"),
    "get_category_events": W(
        "what comedy|what jazz|events in category|shows in the category|events in the category",
        "category",
    ),
    "get_event_categories": W(
        "what kind of event|categories is in|categories is it in|categories does have|"
        "what tags|which tags|tagged as|what genre",
        "kind",
    ),
    "add_event_categories": W(
        "put in category|tag as|add to category|in the category|tag with|label as|"
        "file under|put under|list under|belongs in|counts as|show up under|appear under|"
        "listed under|"
        "add the tag|add tag|add the label|to the category",
        "tag",
    ),
    "remove_event_categories": W(
        "take out of category|untag|tag off|label off|category off|remove the tag|"
        "remove tag|drop the tag|drop tag|remove the label|drop the label|tag from|"
        "label from|out of the category|no longer tagged",
        "untag",
    ),
    # tiers
    "list_ticket_tiers": W(
        "price|prices|how much are tickets|tiers|ticket types|how much is a ticket|how much is|"
        "how much are|what does cost|"
        "ticket options|kinds of tickets|types of tickets|kind of tickets",
        "tier price cost",
    ),
    "create_ticket_tier": W("add a tier|new tier|create tier|create tickets at", "tier"),
    "update_ticket_tier": W(
        "raise the price|lower the price|change price|pause|resume|stop selling|start selling|"
        "raise the cap|bump the cap|cap to|capacity to|"
        "off sale|back on sale",
        "price pause",
    ),
    "add_tickets": W(
        "add more tickets|release more|more seats|add seats|more tickets|stick another|"
        "put another|add another|another on",
        "more",
    ),
    "toggle_all_tickets": W(
        "stop all sales|stop selling|open sales|resume sales|pause sales|stop ticket sales|"
        "no more tickets|no more sales|full up|stop taking|sold enough",
        "sales resume pause reopen",
        flags={
            "on_sale": (
                r"\b(open|resume|start|restart|back on)\b",
                r"\b(stop|pause|close|halt|suspend|no more|full up)\b",
            )
        },
    ),
    "delete_ticket_tier": W("delete the tier|remove the tier", "tier"),
    # promos
    "create_promo_code": W(
        "create a promo|new promo|discount code|make a code|promo code for", "promo discount"
    ),
    "list_promo_codes": W("list promo|which codes|promo codes|discount codes", "promo codes"),
    "validate_promo_code": W(
        "is the code|code valid|does code work|would it work|will it work|does it work|"
        "how much with|be with",
        "valid work apply",
    ),
    "deactivate_promo_code": W("turn off code|deactivate|disable code", "deactivate"),
    "activate_promo_code": W("turn on code|reactivate|activate|enable code", "activate"),
    "delete_promo_code": W("delete promo|delete code", "delete"),
    # waitlist
    "get_waitlist": W("waitlist|waiting list|who is waiting", "waitlist"),
    "join_waitlist": W(
        "put on the waitlist|add to waitlist|join waitlist|add to the waiting|"
        "on the waiting list|onto the waiting list|onto the waitlist",
        "waitlist",
        patterns=(r"^\s*(?:please\s+)?(?:wait-?list|waiting-list)\s+(?!for\b|of\b)\w",),
    ),
    "remove_from_waitlist": W(
        "take off waitlist|remove from waitlist|off the waiting list", "waitlist"
    ),
    "get_waitlist_position": W(
        "place in line|position on waitlist|where am i|place in the queue|number in the queue|"
        "where is on the waitlist|how far down the waitlist|how far up the waitlist",
        "position",
    ),
    # about page
    "add_team_member": W(
        "add to team|add to the about|to the team|as ceo|about page|join team",
        "team about",
        patterns=(
            rf"(?:add|put)\s+{_NAME}\s+as\s+(?:the\s+|our\s+|a\s+|an\s+)?"
            r"(?P<title>.+?)(?:\s+(?:to|on|in)\s+(?:the\s+)?"
            r"(?:about|team)\b.*)?$",
            rf"(?:add|put)\s+{_NAME}\s+(?:to|on)\s+(?:the\s+)?"
            r"(?:about|team)\b.*?(?:\s+as\s+(?:the\s+|our\s+|a\s+)?"
            r"(?P<title>.+))?$",
        ),
    ),
    "remove_team_member": W(
        "remove from team|off the about|take off the team|off the team|remove from the about|"
        "from the about page|off the website",
        "team about",
        patterns=(rf"(?:remove|take)\s+{_NAME}\s+(?:from|off)\s",),
    ),
    "list_team_members": W("who is on the team|list the team|team members", "team"),
    "get_about_page": W("about page|what does our mission|show the about", "about mission"),
    "update_about_section": W(
        "change our mission|update the about|change the story|mission to", "mission story"
    ),
    # venues, keys, messages
    "list_venues": W(
        "list venues|which venues|venues do we|all our venues|how many venues", "venue"
    ),
    "get_venue": W(
        "tell me about the venue|venue details|address of|where is the venue|venue address|"
        "where are we located|how big is the",
        "venue",
    ),
    "create_venue": W("add a venue|new venue|create venue", "venue"),
    "update_venue": W("venue capacity|venue moved|change the venue", "venue"),
    "delete_venue": W("delete the venue|remove venue", "venue"),
    "create_api_key": W("create a key|new api key|make a key", "key"),
    "list_api_keys": W("list keys|api keys", "keys"),
    "revoke_api_key": W("revoke", "revoke"),
    "grant_dashboard_access": W(
        "give access|grant access|access to the dashboard|let see the dashboard", "grant give"
    ),
    "revoke_dashboard_access": W(
        "revoke access|take away access|remove access|no longer see|cut off access", "revoke"
    ),
    "list_dashboard_access": W("who can see|who has access|allowed to see|who can open", "access"),
    "list_messages": W(
        "messages we sent|did the email go out|email go out|last messages|outbox", "message email"
    ),
}
