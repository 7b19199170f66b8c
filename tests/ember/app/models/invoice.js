import Model, { attr, belongsTo } from "@ember-data/model";

// Invoice__c, reached as /invoices.  name is Salesforce's read-only auto
// number, and totalWithTaxC (Total_With_Tax__c) is a read-only formula.
// The Account__c lookup arrives as accountC, the relationship's own name.
export default Model.extend({
  name: attr("string"),
  amountC: attr("number"),
  dueDateC: attr("date"),
  paidC: attr("boolean"),
  totalWithTaxC: attr("number"),
  accountC: belongsTo("account", { async: true, inverse: null }),
});
