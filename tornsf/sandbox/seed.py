"""Seed data: the demo user, the ``demo`` records and ``large:N`` Accounts.

The demo set is deterministic (fixed names, dates and amounts), so tests can rely on it.
"""

import datetime
import logging
import random
import time

from tornsf.sandbox import records, values
from tornsf.sandbox.schema import ACCOUNT_TYPES, INDUSTRIES, STAGES, Schema
from tornsf.sandbox.store import Store

log = logging.getLogger(__name__)

# Creation time of the seeded records; fixed so their dates are stable across runs.
SEED_EPOCH = datetime.datetime(2024, 1, 15, 9, 30, tzinfo=datetime.timezone.utc)

DEMO_ACCOUNTS = [
    ("Acme Corporation", "San Francisco", "USA"), ("Müller & Söhne GmbH", "München", "Germany"),
    ("Café Olé S.A.", "Sevilla", "Spain"), ("大阪テクノロジー株式会社", "大阪", "Japan"),
    ("Zürich Réassurance AG", "Zürich", "Switzerland"), ("Łódź Logistics Sp. z o.o.", "Łódź", "Poland"),
    ("Nørre Fisk ApS", "København", "Denmark"), ("Ångström Labs AB", "Uppsala", "Sweden"),
    ("São Paulo Comércio Ltda", "São Paulo", "Brazil"), ("Škoda Díly s.r.o.", "Plzeň", "Czechia"),
    ("北京星辰科技有限公司", "北京", "China"), ("Ελληνικά Τρόφιμα Α.Ε.", "Αθήνα", "Greece"),
    ("Öztürk Tekstil A.Ş.", "İstanbul", "Turkey"), ("Crème Brûlée Bakery", "Montréal", "Canada"),
    ("Global Media Group", "New York", "USA"), ("Pinnacle Health Partners", "Boston", "USA"),
    ("Blue Harbor Shipping", "Rotterdam", "Netherlands"), ("Granite Construction Co.", "Denver", "USA"),
    ("Sunrise Hospitality", "Honolulu", "USA"), ("Northwind Traders", "Seattle", "USA"),
    ("Contoso Pharmaceuticals", "Basel", "Switzerland"), ("Fjällräven Outdoor", "Örnsköldsvik", "Sweden"),
    ("Edge Communications", "Austin", "USA"), ("Burlington Textiles", "Burlington", "USA"),
    ("Pyramid Construction Inc.", "Paris", "France"), ("Dickenson plc", "Lawrence", "USA"),
    ("Grand Hotels & Resorts", "Chicago", "USA"), ("United Oil & Gas Corp.", "Houston", "USA"),
    ("Express Logistics", "Portland", "USA"), ("University of Arizona", "Tucson", "USA"),
    ("GenePoint", "Mountain View", "USA"), ("sForce Ventures", None, None),
    ("Ñandú Agrícola S.A.", "Córdoba", "Argentina"), ("Vĩnh Phúc Electronics", "Hà Nội", "Vietnam"),
    ("Kraków Software House", "Kraków", "Poland"), ("Dublin Data Ltd", "Dublin", "Ireland"),
]

FIRST_NAMES = ["Anna", "José", "Chloé", "Jürgen", "Søren", "Zoë", "Łukasz", "Ömer", "Haruki", "Mei",
               "Émile", "Ingrid", "Liam", "Olivia", "Noah", "Ava", "María", "François", None, "Björn"]
LAST_NAMES = ["Smith", "García", "Müller", "Dubois", "Sørensen", "Nowak", "Yılmaz", "Tanaka", "Wang",
              "O'Brien", "Łukasiewicz", "Novák", "Johnson", "Rossi", "Ødegård", "Papadopoulos", "Björk",
              "Kowalski", "Nguyễn", "Brown"]
TITLES = ["CEO", "CFO", "VP Sales", "Buyer", "Directeur Général", "Geschäftsführerin", None, "Engineer"]


def ensure_demo_user(store: Store, schema: Schema, username: str) -> str:
    """Return the id of the demo user, creating the User record on first start."""
    user = schema.get("User")
    found = store.db.execute('SELECT "Id" FROM "sobject_User" WHERE "Username" = ?', (username,)).fetchone()
    if found:
        return found[0]

    created = values.format_datetime(SEED_EPOCH)
    seq, user_id = store.new_id(user)
    store.db.execute(
        'INSERT INTO "sobject_User" (_seq, "Id", "Username", "LastName", "FirstName", "Name", "Alias", "Email", '
        '"IsActive", "TimeZoneSidKey", "LanguageLocaleKey", "CreatedDate", "CreatedById", "LastModifiedDate", '
        '"LastModifiedById", "SystemModstamp") VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)',
        (seq, user_id, username, "User", "Demo", "Demo User", "demo", username, "America/Los_Angeles", "en_US",
         created, user_id, created, user_id, created),
    )
    return user_id


def apply(spec: str | None, store: Store, schema: Schema, user_id: str) -> None:
    """Seed the store per ``spec`` (``demo``, ``large:N`` or None), unless it already contains Accounts."""
    if not spec:
        return
    account = schema.get("Account")
    if store.count(account):
        log.info("the database already contains Accounts, so seed %r was skipped", spec)
        return

    started = time.perf_counter()
    if spec == "demo":
        seed_demo(store, schema, user_id)
    elif spec.startswith("large:") and spec[6:].isdigit():
        seed_large(store, schema, user_id, int(spec[6:]))
    else:
        raise ValueError("unknown seed %r: use 'demo' or 'large:N'" % spec)
    log.info("seeded %r in %.2f s", spec, time.perf_counter() - started)


def _audit(user_id: str, moment: datetime.datetime) -> dict:
    stamp = values.format_datetime(moment)
    return {"IsDeleted": 0, "OwnerId": user_id, "CreatedDate": stamp, "CreatedById": user_id,
            "LastModifiedDate": stamp, "LastModifiedById": user_id, "SystemModstamp": stamp}


def _demo_accounts(rng: random.Random, user_id: str) -> list:
    accounts = []
    for number, (name, city, country) in enumerate(DEMO_ACCOUNTS):
        accounts.append(dict(
            _audit(user_id, SEED_EPOCH + datetime.timedelta(hours=7 * number)),
            Name=name, BillingCity=city, BillingCountry=country,
            Type=ACCOUNT_TYPES[number % len(ACCOUNT_TYPES)],
            Industry=None if number % 6 == 5 else INDUSTRIES[number % len(INDUSTRIES)],
            AnnualRevenue=None if number % 4 == 3 else float(rng.randrange(5, 5000) * 10000),
            NumberOfEmployees=None if number % 5 == 4 else rng.randrange(3, 20000),
            Phone=None if number % 7 == 6 else "+1 (415) 555-%04d" % rng.randrange(10000),
            Website=None if number % 3 == 2 else "https://www.example.com/%d" % number,
            Description=None if number % 2 else "Demo account %d: %s" % (number, name),
        ))
    return accounts


def seed_demo(store: Store, schema: Schema, user_id: str) -> None:
    """Create the demo set: 36 Accounts (some with parents), 72 Contacts and 48 Opportunities."""
    rng = random.Random(20240115)
    account_type, contact_type, opportunity_type = (schema.get(n) for n in ("Account", "Contact", "Opportunity"))

    account_ids = store.insert_many(account_type, _demo_accounts(rng, user_id))
    with store.transaction():
        for child, parent in ((3, 0), (4, 1), (15, 14), (16, 14), (20, 19)):
            store.update(account_type, account_ids[child], {"ParentId": account_ids[parent]})

    contacts = []
    for number in range(72):
        first, last = FIRST_NAMES[number % 20], LAST_NAMES[(number * 7) % 20]
        contact = dict(
            _audit(user_id, SEED_EPOCH + datetime.timedelta(hours=5 * number + 1)),
            AccountId=None if number % 9 == 8 else account_ids[number % len(account_ids)],
            FirstName=first, LastName=last, Title=TITLES[number % len(TITLES)],
            Email="%s.%s%d@example.com" % ((first or "x").lower(), "contact", number),
            Phone=None if number % 4 == 1 else "+44 20 7946 %04d" % rng.randrange(10000),
            Birthdate=None if number % 3 == 0 else (datetime.date(1960, 1, 1)
                                                    + datetime.timedelta(days=rng.randrange(15000))).isoformat(),
            MailingCity=None if number % 5 == 2 else DEMO_ACCOUNTS[number % len(DEMO_ACCOUNTS)][1],
        )
        records.apply_calculated(contact_type, contact)
        contacts.append(contact)
    store.insert_many(contact_type, contacts)

    opportunities = []
    for number in range(48):
        stage = STAGES[number % len(STAGES)]
        opportunity = dict(
            _audit(user_id, SEED_EPOCH + datetime.timedelta(hours=11 * number + 2)),
            AccountId=account_ids[(number * 5) % len(account_ids)],
            Name="%s – Deal %d" % (DEMO_ACCOUNTS[(number * 5) % len(DEMO_ACCOUNTS)][0], number + 1),
            StageName=stage, Probability=records.STAGE_PROBABILITY[stage],
            CloseDate=(datetime.date(2024, 3, 1) + datetime.timedelta(days=9 * number)).isoformat(),
            Amount=None if number % 8 == 7 else round(rng.randrange(1000, 900000) + rng.randrange(100) / 100, 2),
            LeadSource=None if number % 3 == 0 else ("Web", "Phone Inquiry", "Partner Referral")[number % 3],
        )
        records.apply_calculated(opportunity_type, opportunity)
        opportunities.append(opportunity)
    store.insert_many(opportunity_type, opportunities)


def seed_large(store: Store, schema: Schema, user_id: str, count: int) -> None:
    """Create ``count`` Accounts named ``Account 000001`` and up, in one transaction."""
    audit = _audit(user_id, SEED_EPOCH)
    rows = (
        dict(audit, Name="Account %06d" % number, Industry=INDUSTRIES[number % len(INDUSTRIES)],
             BillingCity=DEMO_ACCOUNTS[number % len(DEMO_ACCOUNTS)][1], NumberOfEmployees=number % 5000,
             AnnualRevenue=float(number % 1000) * 1000.0, Type=ACCOUNT_TYPES[number % len(ACCOUNT_TYPES)])
        for number in range(1, count + 1)
    )
    store.insert_many(schema.get("Account"), rows)
