// The adapter from the README's Ember Data section; the proxy URL comes from the page.
import RESTAdapter from "@ember-data/adapter/rest";

export default class ApplicationAdapter extends RESTAdapter {
  host = window.tornsfProxyUrl;
  headers = { "X-Model-Dialect": "ember" };
  ajaxOptions(...args) {
    return { ...super.ajaxOptions(...args), credentials: "include" };
  }
}
