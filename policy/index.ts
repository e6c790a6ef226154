import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

// `pulumi preview --policy-pack policy` runs this pack; the rules themselves live in rules.ts, which tests import.
new PolicyPack("phi3-foundry-guardrails", { policies });
