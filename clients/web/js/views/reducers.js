// Every feature's reducers, registered whichever view is shown (each feature module registers
// its own when imported). The model is saved with its position in sessionStorage and resumed
// from there (client.js), and the same tab may show another view with the same token later
// (a secretary's link with ?view=kiosk, then without): an event the first view did not fold
// would be missing for good, since the resume replays only what came after.

import "./attendance.js";
import "./speakers.js";
import "./documents.js";
import "./feedback.js";
import "./polls.js";
