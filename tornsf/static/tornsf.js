// tornsf.js: Salesforce records from a web page, through a tornsf proxy.
//
//   import { connect } from "https://tornsf.example.com/tornsf.js";
//   const sf = connect();
//   const Account = sf.model("Account");
//   const acme = await Account.create({ Name: "Acme" });
//   acme.Name = "Acme Corp"; await acme.save();
//
// An ES module with no dependencies and no build step.  Every request is a
// fetch to the proxy with the session cookie included; the proxy stores the
// Salesforce tokens and refreshes them, so this module never sees a token.

// The response shapes this module reads are Salesforce's own: records with
// `attributes` and `Id`, `{id, success, errors}` for creates, 204 for updates
// and deletes, `{totalSize, done, records}` for lists, and errors as
// `[{message, errorCode, fields}]`.
const DIALECT = "salesforce";

// `Id`, `attributes` and the fields Salesforce sets itself on every object,
// compared in lower case.  Save and create never send them.  Other read-only fields (formulas,
// roll-ups, auto-numbers) are learned per object when Salesforce rejects
// them with INVALID_FIELD_FOR_INSERT_UPDATE.
const SYSTEM_FIELDS = [
  "id", "attributes", "isdeleted", "masterrecordid",
  "createddate", "createdbyid", "lastmodifieddate", "lastmodifiedbyid",
  "systemmodstamp", "lastactivitydate", "lastvieweddate", "lastreferenceddate",
];

const READ_ONLY_REJECTION = "INVALID_FIELD_FOR_INSERT_UPDATE";

/** An error from Salesforce or from the proxy, with Salesforce's error fields. */
export class SalesforceError extends Error {
  constructor(message, { status = 0, errorCode = "", fields = [], errors = [], cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "SalesforceError";
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
    // Every error of the response, in Salesforce's `{message, errorCode, fields}` shape.
    this.errors = errors;
  }
}

/**
 * Open a connection to a tornsf proxy.
 *
 * `url` is the proxy's base URL and defaults to the origin this module was
 * loaded from.  `onLoginRequired(error)` runs when the proxy returns 401
 * (no session, or one that could not be refreshed); it defaults to
 * `sf.login()`, which leaves the page for the login form.
 */
export function connect({ url, onLoginRequired } = {}) {
  return new Connection({ url, onLoginRequired });
}

class Connection {
  constructor({ url, onLoginRequired }) {
    this.url = String(url || new URL(import.meta.url).origin).replace(/\/+$/, "");
    this.onLoginRequired = onLoginRequired || (() => this.login());
    this.apex = new Apex(this);
    this.models = new Map();
  }

  /** Send the browser to the proxy's login, coming back to `appUrl` (default: this page). */
  login({ appUrl = globalThis.location?.href, loginServer } = {}) {
    const target = new URL(this.url + "/login");
    if (appUrl) target.searchParams.set("app_url", appUrl);
    if (loginServer) target.searchParams.set("login_server", loginServer);
    globalThis.location.assign(target.href);
  }

  /** Revoke the session's token at Salesforce and clear the proxy's cookie. */
  async logout() {
    try {
      await this.request("POST", "/logout", { loginHook: false });
    } catch (error) {
      if (error.status !== 401) throw error;
    }
  }

  /** Return the logged-in user's identity (user id, org id, username...). */
  whoami() {
    return this.request("GET", "/login/whoami");
  }

  /** Return the model of one SObject type, by API name (`Account`, `Invoice__c`). */
  model(name) {
    if (!this.models.has(name)) this.models.set(name, new Model(this, name));
    return this.models.get(name);
  }

  /** Send one request to the proxy; resolve with the decoded body or reject with a SalesforceError. */
  async request(method, path, { params, body, loginHook = true } = {}) {
    const url = new URL(this.url + path);
    for (const [name, value] of Object.entries(params || {})) {
      for (const item of [value].flat()) {
        if (item !== undefined && item !== null) url.searchParams.append(name, String(item));
      }
    }

    const headers = { "Accept": "application/json", "X-Model-Dialect": DIALECT };
    const init = { method, headers, credentials: "include" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }

    let response;
    try {
      response = await fetch(url, init);
    } catch (cause) {
      // The browser hides why: the proxy is down, or it sent no CORS headers
      // because this page's origin is not listed in its ORIGINS.
      throw new SalesforceError(
        `${method} ${url.pathname} failed before reaching a response (is the proxy running, and is ${globalThis.location?.origin ?? "this origin"} in its ORIGINS?): ${cause.message}`,
        { errorCode: "network_error", cause },
      );
    }

    const content = await readBody(response);
    if (response.ok) return content;

    const error = errorFromResponse(method, url, response.status, content);
    if (response.status === 401 && loginHook) this.onLoginRequired(error);
    throw error;
  }
}

async function readBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const text = await response.text();
  if (!/[/+]json\b/i.test(type) || !text) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// Salesforce errors are `[{message, errorCode, fields}]` and the proxy's own
// are `{error, message}`.  Anything else (an HTML error page) keeps only its status.
function errorFromResponse(method, url, status, content) {
  let errors;
  if (Array.isArray(content)) {
    errors = content;
  } else if (content && typeof content === "object" && Array.isArray(content.errors)) {
    errors = content.errors;
  } else if (content && typeof content === "object") {
    errors = [{ message: content.message || "", errorCode: content.error || content.errorCode || "", fields: [] }];
  } else {
    errors = [];
  }

  const first = errors[0] || {};
  const message = first.message || first.detail || `${method} ${url.pathname} failed with HTTP ${status}`;
  return new SalesforceError(message, {
    status,
    errorCode: first.errorCode || first.code || "",
    fields: first.fields || [],
    errors,
  });
}

/** The records of one SObject type. */
class Model {
  constructor(connection, name) {
    this.connection = connection;
    this.name = name;
    this.path = "/" + encodeURIComponent(name);
    this.readOnlyFields = new Set(SYSTEM_FIELDS);
  }

  /** Return a record not read from Salesforce: `save()` creates it, or updates it when `fields` has an `Id`. */
  build(fields = {}) {
    return new SObjectRecord(this, fields, false);
  }

  /** Create a record and resolve with it, `Id` included.  An `Id` in `fields` is ignored. */
  async create(fields) {
    const copy = Object.fromEntries(Object.entries(fields).filter(([field]) => field.toLowerCase() !== "id"));
    const record = this.build(copy);
    await record.save();
    return record;
  }

  /** Retrieve one record by id; `fields` (an array or comma-separated names) limits the fields read. */
  async find(id, { fields } = {}) {
    const params = { fields: listArgument(fields) };
    const body = await this.connection.request("GET", `${this.path}/${encodeURIComponent(id)}`, { params });
    return this.wrap(body);
  }

  /**
   * Run a SOQL query and resolve with an array of records, which also has
   * `totalSize` and `done`.  With `autoFetch` the proxy follows every page
   * up to `maxFetch` records; without it only the first page comes back.
   */
  async query(soql, { autoFetch = false, maxFetch, queryAll = false } = {}) {
    const params = { query: soql, autoFetch: autoFetch || undefined, maxFetch, queryAll: queryAll || undefined };
    return this.list(params);
  }

  /**
   * List records whose fields equal the given values, without writing SOQL:
   * `where({Industry: "Energy"}, {limit: 10, orderBy: "Name"})`.  An array
   * value matches any of its items.  `orderBy` takes a field name or an
   * array of them, each optionally `"-Name"` or `"Name DESC"`.
   */
  async where(filters = {}, { limit, offset, orderBy, fields } = {}) {
    const params = { limit, offset, sort: sortArgument(orderBy), fields: listArgument(fields) };
    for (const [field, value] of Object.entries(filters)) {
      // Dropping the filter would list every record, so reject it instead.
      if (value === null || value === undefined) {
        throw new TypeError(`where() cannot match ${field} to ${value}: use query() with "WHERE ${field} = null".`);
      }
      params[`filter[${field}]`] = value;
    }
    return this.list(params);
  }

  async list(params) {
    const body = await this.connection.request("GET", this.path, { params });
    const records = (Array.isArray(body) ? body : body.records || []).map((fields) => this.wrap(fields));
    records.totalSize = body.totalSize ?? records.length;
    records.done = body.done ?? true;

    // Without autoFetch a long result stops after one page; the proxy
    // continues it from the query locator at the end of nextRecordsUrl.
    const locator = body.nextRecordsUrl?.split("/").pop();
    if (!records.done && locator) records.next = () => this.list({ cursor: locator });
    return records;
  }

  // Query results may hold records of other types (`SELECT ... FROM Contact`
  // through any model), so each record gets the model its `attributes` name.
  wrap(fields) {
    const type = fields?.attributes?.type;
    const model = type && type !== this.name ? this.connection.model(type) : this;
    return new SObjectRecord(model, fields, true);
  }

  isReadOnly(field) {
    return this.readOnlyFields.has(field.toLowerCase());
  }
}

// The last saved JSON text of every field, per record, so that a save sends
// only the fields changed since.  Kept outside the record so that its own
// properties are exactly the Salesforce fields.
const savedValues = new WeakMap();

/** One Salesforce record: its fields are plain properties (`record.Name`). */
class SObjectRecord {
  constructor(model, fields, persisted) {
    Object.defineProperty(this, "model", { value: model });
    Object.assign(this, fields);
    savedValues.set(this, persisted ? snapshot(this) : new Map());
  }

  /** Return the writable fields changed since the record was loaded or last saved. */
  changes() {
    const saved = savedValues.get(this);
    const changed = {};
    for (const [field, value] of Object.entries(this)) {
      if (!isWritable(this.model, field, value)) continue;
      if (saved.get(field) !== JSON.stringify(value)) changed[field] = value;
    }
    return changed;
  }

  /** Create the record if it has no `Id`, else send the changed fields; resolves with the record. */
  async save() {
    const changed = this.changes();
    if (this.Id && Object.keys(changed).length === 0) return this;

    const sent = await this.#send(changed);
    const saved = savedValues.get(this);
    for (const field of Object.keys(sent)) saved.set(field, JSON.stringify(this[field]));
    if (!this.attributes) this.attributes = { type: this.model.name };
    return this;
  }

  // Send the fields; when Salesforce rejects some as read-only, remember them
  // for this object type and send the rest once more.
  async #send(fields) {
    try {
      await this.#write(fields);
      return fields;
    } catch (error) {
      const rejected = error.errorCode === READ_ONLY_REJECTION ? error.fields.filter((f) => f in fields) : [];
      if (rejected.length === 0) throw error;

      rejected.forEach((field) => this.model.readOnlyFields.add(field.toLowerCase()));
      const rest = this.changes();
      if (this.Id && Object.keys(rest).length === 0) return rest;
      await this.#write(rest);
      return rest;
    }
  }

  async #write(fields) {
    const { connection, path } = this.model;
    if (this.Id) {
      await connection.request("PATCH", `${path}/${encodeURIComponent(this.Id)}`, { body: fields });
      return;
    }
    const result = await connection.request("POST", path, { body: fields });
    this.Id = result.id || result.Id;
    savedValues.get(this).set("Id", JSON.stringify(this.Id));
  }

  /** Delete the record in Salesforce. */
  async delete() {
    if (!this.Id) throw new SalesforceError("This record has no Id: it was never saved, so there is nothing to delete.", { errorCode: "missing_id" });
    const { connection, path } = this.model;
    await connection.request("DELETE", `${path}/${encodeURIComponent(this.Id)}`);
  }

  /** Return the record's fields as a plain object. */
  toJSON() {
    return { ...this };
  }
}

function listArgument(names) {
  return Array.isArray(names) ? names.join(",") : names;
}

// The proxy's `sort` argument: comma-separated names, `-` for descending.
function sortArgument(orderBy) {
  if (orderBy === undefined || orderBy === null) return undefined;
  return [orderBy].flat().map((item) => {
    const [field, direction = ""] = String(item).trim().split(/\s+/);
    return direction.toUpperCase() === "DESC" ? `-${field}` : field;
  }).join(",");
}

function snapshot(record) {
  return new Map(Object.entries(record).map(([field, value]) => [field, JSON.stringify(value)]));
}

// Plain objects are relationship records, child query results or compound
// fields such as BillingAddress: Salesforce writes none of them through the
// parent.  A Date is written as JSON writes it, an ISO 8601 timestamp.
function isWritable(model, field, value) {
  if (model.isReadOnly(field)) return false;
  if (value === null || typeof value !== "object") return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype !== Object.prototype && prototype !== null;
}

/** Apex REST calls: `sf.apex.get("/orders/42", {full: true})` reaches `/services/apexrest/orders/42?full=true`. */
class Apex {
  constructor(connection) {
    this.connection = connection;
  }

  get(path, params) { return this.call("GET", path, { params }); }
  post(path, body, params) { return this.call("POST", path, { body, params }); }
  put(path, body, params) { return this.call("PUT", path, { body, params }); }
  patch(path, body, params) { return this.call("PATCH", path, { body, params }); }
  del(path, params) { return this.call("DELETE", path, { params }); }

  call(method, path, options) {
    const relative = String(path).replace(/^\/+/, "").replace(/^services\/apexrest\//, "");
    return this.connection.request(method, "/apex/" + relative, options);
  }
}
