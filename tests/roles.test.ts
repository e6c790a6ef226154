import { BUILT_IN_ROLES, deterministicGuid, roleDefinitionId } from "../components/roles";

describe("deterministicGuid", () => {
  it("is a version 5, RFC 4122 GUID", () => {
    expect(deterministicGuid("scope", "principal", "role")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("gives the same GUID for the same parts and another for any other part", () => {
    const base = deterministicGuid("/subscriptions/s/resourceGroups/rg", "p1", BUILT_IN_ROLES.Contributor);
    expect(deterministicGuid("/subscriptions/s/resourceGroups/rg", "p1", BUILT_IN_ROLES.Contributor)).toBe(base);
    expect(deterministicGuid("/subscriptions/s/resourceGroups/rg2", "p1", BUILT_IN_ROLES.Contributor)).not.toBe(base);
    expect(deterministicGuid("/subscriptions/s/resourceGroups/rg", "p2", BUILT_IN_ROLES.Contributor)).not.toBe(base);
    expect(deterministicGuid("/subscriptions/s/resourceGroups/rg", "p1", BUILT_IN_ROLES.AcrPull)).not.toBe(base);
  });

  it("matches the RFC 4122 version 5 test vector for the URL namespace", () => {
    // uuid v5("http://example.com/", URL namespace), as computed by Python's uuid.uuid5.
    expect(deterministicGuid("http://example.com/")).toBe("0a300ee9-f9e4-5697-a51a-efc7fafaba67");
  });
});

describe("roleDefinitionId", () => {
  it("is the subscription-scoped id of the built-in role", () => {
    expect(roleDefinitionId("sub-1", "AcrPull")).toBe(
      "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
    );
  });
});
