// The README's adapter, authenticated with a sealed session in the
// Authorization header in place of the session cookie.
import ApplicationAdapter from "./application.js";

export default class BearerAdapter extends ApplicationAdapter {
  headers = { ...this.headers, Authorization: `Bearer ${window.tornsfBearer}` };
}
