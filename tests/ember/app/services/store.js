// The store an Ember Data 5 app gets: the JSON:API cache, adapters and
// serializers, and the request methods (findAll, query, save, ...).
import { useLegacyStore } from "@warp-drive/legacy";
import { JSONAPICache } from "@warp-drive/json-api";

export default useLegacyStore({ linksMode: false, legacyRequests: true, cache: JSONAPICache });
