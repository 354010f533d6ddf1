// Checks Kubernetes manifests against the API's schemas, offline: each YAML
// document of each file (or of standard input, "-") is validated by the model of
// its apiVersion and kind from kubernetes-models. Prints one line per document;
// exits 1 on the first invalid one or on a kind it has no model for.
//   node tests/manifests/validate.mjs FILE|-...
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

async function modelOf(apiVersion, kind) {
  if (!/^[a-z0-9.]+(\/v[0-9a-z]+)?$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind))
    throw new Error(`unexpected apiVersion ${apiVersion} or kind ${kind}`);
  const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
  return module[kind];
}

let count = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const object = doc.toJS();
    if (object === null) continue;
    const Model = await modelOf(object.apiVersion, object.kind);
    try {
      new Model(object).validate();
    } catch (error) {
      console.error(`${file}: ${object.kind} ${object.metadata?.name}: ${error.message}`);
      process.exit(1);
    }
    console.log(`valid: ${object.kind} ${object.metadata.name}`);
    count++;
  }
}
if (count === 0) {
  console.error("no documents");
  process.exit(1);
}
