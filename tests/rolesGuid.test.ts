import { deterministicGuid } from "../domain/roles";

// A role assignment's name is this GUID: if the way the parts are joined changed, every assignment of an existing stack
// would get a new name and be replaced. Expected values from Python's uuid.uuid5(uuid.NAMESPACE_URL, "<parts joined by |>").
describe("deterministicGuid of several parts", () => {
  it("is the version 5 UUID of the parts joined by '|'", () => {
    expect(deterministicGuid("scope", "principal", "role")).toBe("aa5503e6-b216-56a1-9d48-74eb73f49226");
    expect(deterministicGuid("/subscriptions/s/resourceGroups/rg", "p1", "b24988ac-6180-42a0-ab88-20f7382dd24c")).toBe(
      "07a7289b-4aa1-5209-9791-a3b96ccd241a",
    );
  });
});
