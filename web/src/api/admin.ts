// Whether the signed-in principal is an admin: pages hide admin-only controls (the server refuses them regardless).
import { useSession } from './session.ts';

export function useIsAdmin(): boolean {
  const session = useSession();
  return session.kind === 'signed-in' && session.session.principal.role === 'admin';
}
