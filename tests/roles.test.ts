import { BUILT_IN_ROLES, deterministicGuid, roleDefinitionId } from "../domain/roles";

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

/**
 * The ids as Azure publishes them, written out here rather than read from the table under test: Azure's built-in roles
 * reference, https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (general, storage, containers,
 * ai-machine-learning pages).
 */
const PUBLISHED_ROLE_IDS = {
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
  AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
  "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908",
  "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
};

describe("BUILT_IN_ROLES", () => {
  it("holds each role the stack assigns under its published name and id, and no other", () => {
    expect(BUILT_IN_ROLES).toEqual(PUBLISHED_ROLE_IDS);
  });
});

describe("roleDefinitionId", () => {
  it("is the subscription-scoped id of the built-in role", () => {
    expect(roleDefinitionId("sub-1", "AcrPull")).toBe(
      "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
    );
  });
});
