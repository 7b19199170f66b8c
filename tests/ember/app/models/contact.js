import Model, { attr, belongsTo } from "@ember-data/model";

// name is Salesforce's read-only full name.  The account relationship is
// read from and written to the accountId key by the contact serializer.
export default Model.extend({
  firstName: attr("string"),
  lastName: attr("string"),
  name: attr("string"),
  account: belongsTo("account", { async: true, inverse: null }),
});
