// WarpDrive makes record identifiers with crypto.randomUUID, which browsers
// only offer on secure origins (https, localhost).  The page is served from
// http://app.test, so it installs the polyfill that WarpDrive's error
// message points such apps to: a version 4 UUID from crypto.getRandomValues.
if (typeof crypto.randomUUID !== "function") {
  crypto.randomUUID = function randomUUID() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
