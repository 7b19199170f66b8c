// What an Ember app does with its store, step by step, against the sandbox org.

import { createSteps, describeError } from "./steps.js";

function accountFields(record) {
  return {
    id: record.id,
    name: record.name,
    phone: record.phone,
    billingCity: record.billingCity,
    industry: record.industry,
    numberOfEmployees: record.numberOfEmployees,
    createdDate: record.createdDate instanceof Date ? record.createdDate.toISOString() : String(record.createdDate),
  };
}

function fieldErrors(record, attribute) {
  return record.errors.errorsFor(attribute).map(({ attribute: name, message }) => ({ attribute: name, message }));
}

function listSummary(records) {
  return {
    count: records.length,
    ids: records.map((record) => record.id),
    names: records.map((record) => record.name),
    industries: [...new Set(records.map((record) => record.industry))],
    createdDates: records.map((record) => record.createdDate?.toISOString() ?? null),
    meta: records.meta ? JSON.parse(JSON.stringify(records.meta)) : null,
  };
}

export async function runSandboxScenario(store, runId) {
  const { report, state, step, need } = createSteps();

  // First, while no account is in the store, so that reading the relationship fetches it.
  await step("loadRelated", async () => {
    const contacts = (await store.query("contact", { sort: "lastName", limit: 10 })).slice();
    const contact = contacts.find((record) => record.belongsTo("account").id());
    if (!contact) throw new Error("none of the first 10 contacts has an account");
    const account = await contact.account;
    return { contactId: contact.id, accountId: contact.belongsTo("account").id(), loadedId: account.id, loadedName: account.name };
  });

  // Without reload, findAll resolves at once to the one account already in the store.
  await step("findAll", async () => listSummary((await store.findAll("account", { reload: true })).slice()));

  await step("queryFilter", async () => {
    const result = await store.query("account", { filter: { industry: "Energy" } });
    return { ...listSummary(result.slice()), meta: JSON.parse(JSON.stringify(result.meta)) };
  });

  await step("queryPlain", async () => {
    const result = await store.query("account", { industry: ["Energy", "Banking"], sort: "-createdDate" });
    return { ...listSummary(result.slice()), meta: JSON.parse(JSON.stringify(result.meta)) };
  });

  const name = `Ember account ${runId}`;
  await step("create", async () => {
    const record = store.createRecord("account", { name, billingCity: "Paris", industry: "Energy", numberOfEmployees: 12 });
    await record.save();
    state.account = record;
    return { ...accountFields(record), isNew: record.isNew, hasDirtyAttributes: record.hasDirtyAttributes };
  });

  await step("findRecord", async () => {
    const account = need("account");
    const found = await store.findRecord("account", account.id, { reload: true });
    return { ...accountFields(found), sameRecord: found === account };
  });

  await step("update", async () => {
    const account = need("account");
    account.name = `${name} renamed`;
    account.phone = "555-0199";
    await account.save();
    return { ...accountFields(account), hasDirtyAttributes: account.hasDirtyAttributes };
  });

  await step("findAfterUpdate", async () => {
    const found = await store.findRecord("account", need("account").id, { reload: true });
    return accountFields(found);
  });

  await step("invalidCreate", async () => {
    const record = store.createRecord("account", { billingCity: `Nowhere ${runId}` });
    let rejection = null;
    try {
      await record.save();
    } catch (error) {
      rejection = describeError(error);
    }
    const outcome = {
      rejection,
      isValid: record.isValid,
      isNew: record.isNew,
      errorCount: record.errors.length,
      nameErrors: fieldErrors(record, "name"),
      baseErrors: fieldErrors(record, "base"),
    };
    record.unloadRecord();
    return outcome;
  });

  await step("invalidUpdate", async () => {
    const account = need("account");
    account.name = null;
    let rejection = null;
    try {
      await account.save();
    } catch (error) {
      rejection = describeError(error);
    }
    const outcome = {
      rejection,
      isValid: account.isValid,
      errorCount: account.errors.length,
      nameErrors: fieldErrors(account, "name"),
    };
    account.rollbackAttributes();
    outcome.nameAfterRollback = account.name;
    return outcome;
  });

  await step("createContact", async () => {
    const account = need("account");
    const contact = store.createRecord("contact", { firstName: "Ada", lastName: `Ember ${runId}`, account });
    await contact.save();
    state.contact = contact;
    const related = await contact.account;
    return {
      id: contact.id,
      name: contact.name,
      lastName: contact.lastName,
      accountId: contact.belongsTo("account").id(),
      relatedIsSameRecord: related === account,
      isNew: contact.isNew,
    };
  });

  await step("queryContacts", async () => {
    const result = await store.query("contact", { accountId: need("account").id });
    const records = result.slice();
    return {
      count: records.length,
      ids: records.map((record) => record.id),
      lastNames: records.map((record) => record.lastName),
      accountIds: records.map((record) => record.belongsTo("account").id()),
      meta: JSON.parse(JSON.stringify(result.meta)),
    };
  });

  await step("updateContact", async () => {
    const contact = need("contact");
    contact.firstName = "Grace";
    await contact.save();
    return { id: contact.id, firstName: contact.firstName, name: contact.name, hasDirtyAttributes: contact.hasDirtyAttributes };
  });

  await step("destroyContact", async () => {
    const contact = need("contact");
    await contact.destroyRecord();
    return { isDeleted: contact.isDeleted };
  });

  await step("destroy", async () => {
    const account = need("account");
    state.deletedId = account.id;
    await account.destroyRecord();
    return { id: state.deletedId, isDeleted: account.isDeleted };
  });

  await step("findDeleted", async () => {
    const found = await store.findRecord("account", need("deletedId"), { reload: true });
    return accountFields(found);
  });

  return report;
}
