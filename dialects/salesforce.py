"""The ``salesforce`` dialect: Salesforce's own request and response shapes.

Record reads pass Salesforce's bytes through unchanged; lists keep the
``{"totalSize", "records", "done", "nextRecordsUrl"}`` envelope and add
``returnedSize``, the number of records this response carries.
"""

from dialects.base import Dialect


class SalesforceDialect(Dialect):
    name = "salesforce"
