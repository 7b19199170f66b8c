"""The sandbox org's objects and fields, and the describe documents built from them.

Each object maps to one SQLite table whose columns are the object's fields, so SQL
identifiers always come from these definitions and never from request text.
"""

import dataclasses

# Field types whose values are text in JSON and in SQLite.
TEXT_TYPES = frozenset({"id", "reference", "string", "textarea", "picklist", "phone", "url", "email"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
    "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
    "date": "xsd:date", "datetime": "xsd:dateTime",
}

_SQL_TYPES = {"boolean": "INTEGER", "int": "INTEGER", "double": "REAL", "currency": "REAL", "percent": "REAL"}


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of an object, with the describe attributes that clients read."""

    name: str
    label: str
    type: str
    length: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    defaulted_on_create: bool = False
    calculated: bool = False
    reference_to: tuple = ()
    relationship_name: str | None = None
    picklist: tuple = ()
    precision: int = 0
    scale: int = 0
    name_field: bool = False

    @property
    def required(self) -> bool:
        """Whether a create must supply a value."""
        return self.createable and not self.nillable and not self.defaulted_on_create

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES.get(self.type, "TEXT")

    def describe(self) -> dict:
        """Return the field's entry in ``fields`` of an object describe."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "length": self.length,
            "byteLength": self.length * 3,
            "precision": self.precision,
            "scale": self.scale,
            "digits": 9 if self.type == "int" else 0,
            "createable": self.createable,
            "updateable": self.updateable,
            "nillable": self.nillable,
            "defaultedOnCreate": self.defaulted_on_create,
            "defaultValue": None,
            "calculated": self.calculated,
            "calculatedFormula": None,
            "autoNumber": False,
            "externalId": False,
            "idLookup": self.type == "id",
            "unique": False,
            "caseSensitive": False,
            "filterable": self.type != "textarea",
            "sortable": self.type != "textarea",
            "groupable": self.type not in ("textarea", "double", "currency", "percent", "datetime"),
            "aggregatable": True,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "relationshipOrder": None,
            "picklistValues": [
                {"active": True, "defaultValue": False, "label": value, "validFor": None, "value": value}
                for value in self.picklist
            ],
            "restrictedPicklist": False,
            "dependentPicklist": False,
            "controllerName": None,
            "htmlFormatted": False,
            "encrypted": False,
            "nameField": self.name_field,
            "inlineHelpText": None,
        }


@dataclasses.dataclass
class SObject:
    """One object type: its key prefix, its fields in describe order and its table."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: list
    createable: bool = True
    updateable: bool = True
    deletable: bool = True

    def __post_init__(self):
        self.by_lower = {field.name.lower(): field for field in self.fields}
        self.relationships = {
            field.relationship_name.lower(): field for field in self.fields if field.relationship_name
        }
        self.field_names = [field.name for field in self.fields]
        self.table = "sobject_" + self.name

    def field(self, name: str) -> Field | None:
        """Return the field called ``name`` in any letter case, or None."""
        return self.by_lower.get(name.lower())

    def urls(self, version: str) -> dict:
        base = "/services/data/v%s/sobjects/%s" % (version, self.name)
        return {
            "sobject": base,
            "describe": base + "/describe",
            "rowTemplate": base + "/{ID}",
        }

    def describe_global_entry(self, version: str) -> dict:
        """Return the object's entry in the describe-global ``sobjects`` list."""
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": False,
            "customSetting": False,
            "createable": self.createable,
            "updateable": self.updateable,
            "deletable": self.deletable,
            "queryable": True,
            "retrieveable": True,
            "searchable": True,
            "layoutable": True,
            "triggerable": True,
            "undeletable": self.deletable,
            "mergeable": self.name in ("Account", "Contact"),
            "replicateable": True,
            "feedEnabled": False,
            "mruEnabled": True,
            "activateable": False,
            "deprecatedAndHidden": False,
            "hasSubtypes": False,
            "isSubtype": False,
            "isInterface": False,
            "idEnabled": True,
            "deepCloneable": False,
            "urls": self.urls(version),
        }

    def describe(self, version: str, schema: "Schema") -> dict:
        """Return the full describe document of the object."""
        document = self.describe_global_entry(version)
        document.update({
            "fields": [field.describe() for field in self.fields],
            "childRelationships": schema.child_relationships(self.name),
            "recordTypeInfos": [],
            "supportedScopes": [{"label": "All " + self.label_plural.lower(), "name": "everything"}],
            "namedLayoutInfos": [],
            "actionOverrides": [],
        })
        return document


def _system_fields(owner: bool = True) -> list:
    fields = [
        Field("Id", "Record ID", "id", 18, createable=False, updateable=False, nillable=False,
              defaulted_on_create=True),
        Field("IsDeleted", "Deleted", "boolean", createable=False, updateable=False, nillable=False,
              defaulted_on_create=True),
    ]
    if owner:
        fields.append(Field("OwnerId", "Owner ID", "reference", 18, nillable=False, defaulted_on_create=True,
                            reference_to=("User",), relationship_name="Owner"))
    return fields


def _audit_fields() -> list:
    def read_only(name, label, type_, **extra):
        return Field(name, label, type_, 18 if type_ == "reference" else 0, createable=False, updateable=False,
                     nillable=False, defaulted_on_create=True, **extra)

    return [
        read_only("CreatedDate", "Created Date", "datetime"),
        read_only("CreatedById", "Created By ID", "reference", reference_to=("User",), relationship_name="CreatedBy"),
        read_only("LastModifiedDate", "Last Modified Date", "datetime"),
        read_only("LastModifiedById", "Last Modified By ID", "reference", reference_to=("User",),
                  relationship_name="LastModifiedBy"),
        read_only("SystemModstamp", "System Modstamp", "datetime"),
    ]


INDUSTRIES = ("Agriculture", "Banking", "Biotechnology", "Chemicals", "Construction", "Consulting",
              "Education", "Energy", "Finance", "Healthcare", "Hospitality", "Manufacturing", "Media",
              "Retail", "Technology", "Telecommunications", "Transportation")
ACCOUNT_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
                 "Installation Partner", "Technology Partner", "Other")
STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
          "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost")


def _account() -> SObject:
    return SObject("Account", "Account", "Accounts", "001", _system_fields() + [
        Field("Name", "Account Name", "string", 255, nillable=False, name_field=True),
        Field("Type", "Account Type", "picklist", 255, picklist=ACCOUNT_TYPES),
        Field("ParentId", "Parent Account ID", "reference", 18, reference_to=("Account",), relationship_name="Parent"),
        Field("BillingStreet", "Billing Street", "textarea", 255),
        Field("BillingCity", "Billing City", "string", 40),
        Field("BillingState", "Billing State/Province", "string", 80),
        Field("BillingPostalCode", "Billing Zip/Postal Code", "string", 20),
        Field("BillingCountry", "Billing Country", "string", 80),
        Field("Phone", "Account Phone", "phone", 40),
        Field("Website", "Website", "url", 255),
        Field("Industry", "Industry", "picklist", 255, picklist=INDUSTRIES),
        Field("AnnualRevenue", "Annual Revenue", "currency", precision=18),
        Field("NumberOfEmployees", "Employees", "int"),
        Field("Description", "Account Description", "textarea", 32000),
    ] + _audit_fields())


def _contact() -> SObject:
    return SObject("Contact", "Contact", "Contacts", "003", _system_fields() + [
        Field("AccountId", "Account ID", "reference", 18, reference_to=("Account",), relationship_name="Account"),
        Field("LastName", "Last Name", "string", 80, nillable=False),
        Field("FirstName", "First Name", "string", 40),
        Field("Salutation", "Salutation", "picklist", 40, picklist=("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")),
        Field("Name", "Full Name", "string", 121, createable=False, updateable=False, nillable=False,
              defaulted_on_create=True, calculated=True, name_field=True),
        Field("Title", "Title", "string", 128),
        Field("Email", "Email", "email", 80),
        Field("Phone", "Business Phone", "phone", 40),
        Field("MobilePhone", "Mobile Phone", "phone", 40),
        Field("Birthdate", "Birthdate", "date"),
        Field("MailingCity", "Mailing City", "string", 40),
        Field("MailingCountry", "Mailing Country", "string", 80),
        Field("Description", "Contact Description", "textarea", 32000),
    ] + _audit_fields())


def _opportunity() -> SObject:
    return SObject("Opportunity", "Opportunity", "Opportunities", "006", _system_fields() + [
        Field("AccountId", "Account ID", "reference", 18, reference_to=("Account",), relationship_name="Account"),
        Field("Name", "Name", "string", 120, nillable=False, name_field=True),
        Field("StageName", "Stage", "picklist", 255, nillable=False, picklist=STAGES),
        Field("CloseDate", "Close Date", "date", nillable=False),
        Field("Amount", "Amount", "currency", precision=18, scale=2),
        Field("Probability", "Probability (%)", "percent", precision=3),
        Field("ExpectedRevenue", "Expected Amount", "currency", createable=False, updateable=False,
              calculated=True, precision=18, scale=2),
        Field("Type", "Opportunity Type", "picklist", 255,
              picklist=("Existing Customer - Upgrade", "Existing Customer - Replacement", "New Customer")),
        Field("LeadSource", "Lead Source", "picklist", 255,
              picklist=("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")),
        Field("Description", "Description", "textarea", 32000),
    ] + _audit_fields())


def _user() -> SObject:
    def read_only(name, label, type_, length=0, **extra):
        return Field(name, label, type_, length, createable=False, updateable=False, **extra)

    return SObject("User", "User", "Users", "005", [
        Field("Id", "User ID", "id", 18, createable=False, updateable=False, nillable=False, defaulted_on_create=True),
        read_only("Username", "Username", "string", 80, nillable=False),
        read_only("LastName", "Last Name", "string", 80, nillable=False),
        read_only("FirstName", "First Name", "string", 40),
        read_only("Name", "Full Name", "string", 121, nillable=False, calculated=True, name_field=True),
        read_only("Alias", "Alias", "string", 8, nillable=False),
        read_only("Email", "Email", "email", 128, nillable=False),
        read_only("IsActive", "Active", "boolean", nillable=False),
        read_only("TimeZoneSidKey", "Time Zone", "picklist", 40, nillable=False),
        read_only("LanguageLocaleKey", "Language", "picklist", 40, nillable=False),
    ] + _audit_fields(), createable=False, updateable=False, deletable=False)


class Schema:
    """The objects of the sandbox org, looked up by name in any letter case or by key prefix."""

    def __init__(self, sobjects):
        self.sobjects = list(sobjects)
        self.by_lower = {sobject.name.lower(): sobject for sobject in self.sobjects}
        self.by_prefix = {sobject.key_prefix: sobject for sobject in self.sobjects}

    def get(self, name: str) -> SObject | None:
        return self.by_lower.get(name.lower())

    def child_relationships(self, parent: str) -> list:
        children = []
        plural = {"Contact": "Contacts", "Opportunity": "Opportunities", "Account": "ChildAccounts"}
        for sobject in self.sobjects:
            for field in sobject.fields:
                if parent in field.reference_to and field.relationship_name not in ("CreatedBy", "LastModifiedBy"):
                    children.append({
                        "childSObject": sobject.name,
                        "field": field.name,
                        "relationshipName": plural.get(sobject.name),
                        "cascadeDelete": sobject.name != "Account" and parent == "Account",
                        "deprecatedAndHidden": False,
                        "restrictedDelete": False,
                    })
        return children

    def describe_global(self, version: str) -> dict:
        return {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [sobject.describe_global_entry(version) for sobject in self.sobjects],
        }


def build_schema() -> Schema:
    """Return the schema of the sandbox org: Account, Contact, Opportunity and User."""
    return Schema([_account(), _contact(), _opportunity(), _user()])
