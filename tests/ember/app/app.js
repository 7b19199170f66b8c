// An Ember application booted without a router or templates: its resolver
// finds the adapter, serializer, store, models and transforms in the same
// folder layout as an ember-cli app's.

import "./random-uuid.js";
import Application from "@ember/application";
import "@warp-drive/ember/install";

import * as applicationAdapter from "./adapters/application.js";
import * as applicationSerializer from "./serializers/application.js";
import * as contactSerializer from "./serializers/contact.js";
import * as store from "./services/store.js";
import * as account from "./models/account.js";
import * as contact from "./models/contact.js";
import * as booleanTransform from "./transforms/boolean.js";
import * as dateTransform from "./transforms/date.js";
import * as numberTransform from "./transforms/number.js";
import * as stringTransform from "./transforms/string.js";
import { runScenario } from "./scenario.js";

const modules = {
  "./adapters/application": applicationAdapter,
  "./serializers/application": applicationSerializer,
  "./serializers/contact": contactSerializer,
  "./services/store": store,
  "./models/account": account,
  "./models/contact": contact,
  "./transforms/boolean": booleanTransform,
  "./transforms/date": dateTransform,
  "./transforms/number": numberTransform,
  "./transforms/string": stringTransform,
};

async function bootStore(proxyUrl) {
  window.tornsfProxyUrl = proxyUrl;
  const app = Application.create({ autoboot: false, rootElement: "#app", modules });
  await app.boot();
  const instance = app.buildInstance();
  await instance.boot({ isInteractive: false });
  return instance.lookup("service:store");
}

/** Boot the app against `proxyUrl`, run every step and resolve to the report. */
window.runEmberScenario = async function runEmberScenario(proxyUrl, runId) {
  const store = await bootStore(proxyUrl);
  window.__result = await runScenario(store, runId);
  return window.__result;
};
