import Model, { attr } from "@ember-data/model";

// Contact_Role__c, reached as /contactRoles.
export default Model.extend({
  name: attr("string"),
  roleC: attr("string"),
});
