// Leases are the runtime's (the storage port shares them with every store).
export { DEFAULT_LEASE_TTL_MS, describeHolder, holderIsDead, leaseHolder } from "@crewflow/runtime";
