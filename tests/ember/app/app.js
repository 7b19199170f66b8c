// An Ember application booted without a router or templates: its resolver
// finds the adapter, serializer, store, models and transforms in the same
// folder layout as an ember-cli app's.

import "./random-uuid.js";
import Application from "@ember/application";
import "@warp-drive/ember/install";

import * as applicationAdapter from "./adapters/application.js";
import * as bearerAdapter from "./adapters/bearer.js";
import * as applicationSerializer from "./serializers/application.js";
import * as contactSerializer from "./serializers/contact.js";
import * as store from "./services/store.js";
import * as account from "./models/account.js";
import * as contact from "./models/contact.js";
import * as contactRole from "./models/contact-role.js";
import * as invoice from "./models/invoice.js";
import * as booleanTransform from "./transforms/boolean.js";
import * as dateTransform from "./transforms/date.js";
import * as numberTransform from "./transforms/number.js";
import * as stringTransform from "./transforms/string.js";
import { runCustomObjectScenario } from "./custom-objects.js";
import { runSandboxScenario } from "./scenario.js";

const modules = {
  "./adapters/application": applicationAdapter,
  "./serializers/application": applicationSerializer,
  "./serializers/contact": contactSerializer,
  "./services/store": store,
  "./models/account": account,
  "./models/contact": contact,
  "./models/contact-role": contactRole,
  "./models/invoice": invoice,
  "./transforms/boolean": booleanTransform,
  "./transforms/date": dateTransform,
  "./transforms/number": numberTransform,
  "./transforms/string": stringTransform,
};

/** Boot the app against `proxyUrl`, with the session cookie or else with `bearer`, and return its store. */
async function bootStore(proxyUrl, bearer) {
  window.tornsfProxyUrl = proxyUrl;
  window.tornsfBearer = bearer;
  const adapter = bearer ? bearerAdapter : applicationAdapter;
  const app = Application.create({
    autoboot: false, rootElement: "#app", modules: { ...modules, "./adapters/application": adapter },
  });
  await app.boot();
  const instance = app.buildInstance();
  await instance.boot({ isInteractive: false });
  return instance.lookup("service:store");
}

const SCENARIOS = { sandbox: runSandboxScenario, customObjects: runCustomObjectScenario };

/** Boot the app, run the named scenario and resolve to its report. */
window.runEmberScenario = async function runEmberScenario({ scenario, proxyUrl, bearer, runId }) {
  const store = await bootStore(proxyUrl, bearer);
  window.__result = await SCENARIOS[scenario](store, runId);
  return window.__result;
};
