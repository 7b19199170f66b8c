// Custom objects through Ember Data: invoice (Invoice__c) with a date, a
// boolean, a read-only formula and a lookup, and contact-role
// (Contact_Role__c), whose two-word model name becomes /contactRoles.

import { createSteps } from "./steps.js";

function invoiceFields(invoice) {
  return {
    id: invoice.id,
    name: invoice.name,
    amountC: invoice.amountC,
    dueDateC: invoice.dueDateC instanceof Date ? invoice.dueDateC.toISOString() : String(invoice.dueDateC),
    paidC: invoice.paidC,
    totalWithTaxC: invoice.totalWithTaxC,
    accountId: invoice.belongsTo("accountC").id(),
  };
}

export async function runCustomObjectScenario(store, runId) {
  const { report, state, step, need } = createSteps();

  await step("createAccount", async () => {
    const account = store.createRecord("account", { name: `Ember invoices ${runId}` });
    await account.save();
    state.account = account;
    return { id: account.id };
  });

  await step("createInvoice", async () => {
    const invoice = store.createRecord("invoice", {
      amountC: 100, dueDateC: new Date("2025-03-31T00:00:00.000Z"), accountC: need("account"),
    });
    await invoice.save();
    state.invoice = invoice;
    return { ...invoiceFields(invoice), isNew: invoice.isNew };
  });

  await step("updateInvoice", async () => {
    const invoice = need("invoice");
    invoice.amountC = 250;
    invoice.paidC = true;
    await invoice.save();
    return { ...invoiceFields(invoice), hasDirtyAttributes: invoice.hasDirtyAttributes };
  });

  await step("queryInvoices", async () => {
    const result = await store.query("invoice", { accountC: need("account").id });
    return { ids: result.slice().map((invoice) => invoice.id), meta: JSON.parse(JSON.stringify(result.meta)) };
  });

  await step("findInvoice", async () => {
    const found = await store.findRecord("invoice", need("invoice").id, { reload: true });
    const account = await found.accountC;
    return { ...invoiceFields(found), sameRecord: found === need("invoice"), accountName: account.name };
  });

  await step("createContactRole", async () => {
    const role = store.createRecord("contact-role", { name: `Ember role ${runId}`, roleC: "Champion" });
    await role.save();
    state.role = role;
    return { id: role.id, name: role.name, roleC: role.roleC, isNew: role.isNew };
  });

  await step("findAllContactRoles", async () => {
    const roles = (await store.findAll("contact-role", { reload: true })).slice();
    return { ids: roles.map((role) => role.id), names: roles.map((role) => role.name) };
  });

  await step("destroy", async () => {
    const isDeleted = [];
    for (const key of ["invoice", "role", "account"]) {
      await need(key).destroyRecord();
      isDeleted.push(need(key).isDeleted);
    }
    return { isDeleted };
  });

  return report;
}
