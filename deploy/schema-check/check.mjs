// Validates Grafana dashboard JSON files against JSON Schemas generated from the TypeScript types
// of @grafana/schema (the version pinned in package.json / package-lock.json).
//
//   npm ci && node check.mjs ../grafana/dashboards
//
// @grafana/schema ships TypeScript types, not JSON Schema, so the schemas are generated here with
// ts-json-schema-generator:
//   - the dashboard from dist/types/raw/dashboard/x/types.gen.d.ts (type Dashboard), and
//   - each panel's `options` and `fieldConfig.defaults.custom` from the panel plugin's
//     dist/types/raw/composable/<plugin>/panelcfg/x/types.gen.d.ts (types Options and FieldConfig).
// Generated schemas are closed (no unknown properties), which is stricter than Grafana. Only the
// objects that Grafana's dashboard CUE schema declares open (`...`) are opened again:
// AnnotationQuery (datasources spread their query into it, e.g. Prometheus' expr), AnnotationTarget
// and VariableModel.
//
// Prints one line per dashboard ("OK <file>" or "FAIL <file>: <path> <message>") and exits 1 on any
// failure, 2 when the schemas cannot be built.

import { createGenerator } from "ts-json-schema-generator";
import Ajv from "ajv";
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const schemaPkg = join(here, "node_modules", "@grafana", "schema");
const rawTypes = join(schemaPkg, "dist", "types", "raw");
const OPEN_IN_CUE = ["AnnotationQuery", "AnnotationTarget", "VariableModel"];

function generate(path, type) {
  return createGenerator({
    path,
    type,
    skipTypeCheck: true, // the .d.ts files are Grafana's published output; we only read their shapes
    expose: "export",
    topRef: true,
    additionalProperties: false,
  }).createSchema(type);
}

function dashboardSchema() {
  const schema = generate(join(rawTypes, "dashboard", "x", "types.gen.d.ts"), "Dashboard");
  for (const name of OPEN_IN_CUE) {
    const def = schema.definitions[name];
    if (!def) throw new Error(`@grafana/schema has no definition ${name}; update OPEN_IN_CUE`);
    def.additionalProperties = true;
  }
  return schema;
}

// Panel plugin id -> its panelcfg folder in @grafana/schema ("state-timeline" -> "statetimeline").
// One generator run per plugin yields every exported type; Options and FieldConfig are picked out.
function panelSchemas(type) {
  const file = join(rawTypes, "composable", type.replaceAll("-", ""), "panelcfg", "x", "types.gen.d.ts");
  if (!existsSync(file)) return null;
  const all = generate(file, "*");
  const pick = (name) =>
    all.definitions[name] && { $schema: all.$schema, $ref: `#/definitions/${name}`, definitions: all.definitions };
  return { options: pick("Options"), custom: pick("FieldConfig") };
}

function dashboardFiles(args) {
  const out = [];
  for (const a of args) {
    if (statSync(a).isDirectory()) {
      for (const f of readdirSync(a).sort()) if (f.endsWith(".json")) out.push(join(a, f));
    } else {
      out.push(a);
    }
  }
  return out;
}

function allPanels(dash) {
  const out = [];
  for (const p of dash.panels ?? []) {
    out.push(p);
    for (const inner of p.panels ?? []) out.push(inner);
  }
  return out;
}

function describe(errors, prefix = "") {
  return errors.map((e) => `${prefix}${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` '${e.params.additionalProperty}'` : ""}${e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ""}`);
}

function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error("usage: node check.mjs DASHBOARD.json|DIR ...");
    process.exit(2);
  }
  const version = JSON.parse(readFileSync(join(schemaPkg, "package.json"), "utf8")).version;
  let validateDashboard;
  const ajv = new Ajv({ allErrors: true, strict: false });
  try {
    validateDashboard = ajv.compile(dashboardSchema());
  } catch (e) {
    console.error(`cannot build the dashboard schema from @grafana/schema ${version}: ${e.message}`);
    process.exit(2);
  }
  console.log(`schema @grafana/schema ${version}`);
  const panelValidators = new Map();
  let failed = 0;
  for (const file of dashboardFiles(args)) {
    const problems = [];
    let dash;
    try {
      dash = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      problems.push(`not JSON: ${e.message}`);
    }
    if (dash && !validateDashboard(dash)) problems.push(...describe(validateDashboard.errors));
    for (const p of dash ? allPanels(dash) : []) {
      if (p.type === "row") continue;
      if (!panelValidators.has(p.type)) {
        const s = panelSchemas(p.type);
        panelValidators.set(p.type, s && {
          options: s.options && ajv.compile(s.options),
          custom: s.custom && ajv.compile(s.custom),
        });
      }
      const v = panelValidators.get(p.type);
      const where = `panel ${p.id} "${p.title}" (${p.type})`;
      if (!v) {
        problems.push(`${where}: @grafana/schema ${version} has no panelcfg for panel type '${p.type}'`);
        continue;
      }
      if (v.options && !v.options(p.options ?? {})) problems.push(...describe(v.options.errors, `${where} options`));
      const custom = p.fieldConfig?.defaults?.custom;
      if (custom !== undefined && v.custom && !v.custom(custom)) {
        problems.push(...describe(v.custom.errors, `${where} fieldConfig.defaults.custom`));
      }
    }
    if (problems.length === 0) {
      console.log(`OK ${basename(file)}`);
    } else {
      failed++;
      for (const pr of problems) console.log(`FAIL ${basename(file)}: ${pr}`);
    }
  }
  process.exit(failed === 0 ? 0 : 1);
}

main();
