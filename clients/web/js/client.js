// The protocol client is the library clients/js/phonghop.js, which the server serves at
// /app/lib/ (docs/protocol.md, clients/js/README.md). This module keeps the names the views
// import from "../client.js".

export * from "../lib/phonghop.js";
