// API roles and what each may do: viewer reads, analyst also triggers runs, admin does everything.

export const Role = { viewer: 'viewer', analyst: 'analyst', admin: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** What a route requires: `public` is only for liveness; everything else needs a token. */
export type RoutePolicy = 'public' | Role;

const RANK: Record<Role, number> = { viewer: 1, analyst: 2, admin: 3 };

export function isRole(value: string): value is Role {
  return value in RANK;
}

export function roleAllows(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}
