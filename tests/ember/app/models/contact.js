import Model, { attr } from "@ember-data/model";

// The dialect sends lookups as plain id attributes (accountId), not as
// relationships.  name is Salesforce's read-only full name.
export default Model.extend({
  firstName: attr("string"),
  lastName: attr("string"),
  name: attr("string"),
  accountId: attr("string"),
});
