import Model, { attr } from "@ember-data/model";

// createdDate is read-only in Salesforce; the serializer still sends it back on every save.
export default Model.extend({
  name: attr("string"),
  phone: attr("string"),
  billingCity: attr("string"),
  industry: attr("string"),
  numberOfEmployees: attr("number"),
  createdDate: attr("date"),
});
