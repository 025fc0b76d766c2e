// Test module: the real pii module, built without PHONE_NUMBER detection. It passes the slot's
// conformance vectors (none needs phones), so it can be hot-swapped in; phones then go through.
import { disableTypeInBuild, PHONE_NUMBER } from "../../pii/assembly/entities";
export * from "../../pii/assembly/index";
disableTypeInBuild(PHONE_NUMBER);
