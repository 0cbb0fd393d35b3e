import { createContext, useContext } from 'react';
import type { SessionOut } from '@herald/schemas';

/** The signed-in session; `canWrite` is false for a read key, whose console hides every write control. */
export interface SessionInfo {
  session: SessionOut;
  canWrite: boolean;
}

export const SessionContext = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo {
  const info = useContext(SessionContext);
  if (!info) throw new Error('useSession outside a signed-in console');
  return info;
}
