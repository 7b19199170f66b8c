import ApplicationSerializer from "./application.js";

// The ember dialect sends a lookup field as its id under the camelCase field
// name (AccountId becomes accountId), so the relationship `account` maps to it.
export default class ContactSerializer extends ApplicationSerializer {
  keyForRelationship(key) {
    return `${key}Id`;
  }
}
