/** The colours and words of execution and task states (shared by lists, badges and the graph). */
export const STATE_COLOURS: Record<string, { fill: string; text: string }> = {
  IDLE: { fill: '#e5e7eb', text: '#111827' },
  WAITING: { fill: '#e5e7eb', text: '#111827' },
  RUNNING: { fill: '#bfdbfe', text: '#1e3a8a' },
  RUNNING_DELAYED: { fill: '#c7d2fe', text: '#312e81' },
  PAUSED: { fill: '#fde68a', text: '#78350f' },
  SUCCESS: { fill: '#bbf7d0', text: '#14532d' },
  ERROR: { fill: '#fecaca', text: '#7f1d1d' },
  CANCELLED: { fill: '#d6d3d1', text: '#292524' },
  SKIPPED: { fill: '#f3f4f6', text: '#4b5563' },
  'NOT RUN': { fill: '#ffffff', text: '#6b7280' },
};

export function stateColours(state: string): { fill: string; text: string } {
  return STATE_COLOURS[state] ?? STATE_COLOURS.IDLE;
}

export const FINISHED_STATES = new Set(['SUCCESS', 'ERROR', 'CANCELLED']);

export const EXECUTION_STATES = ['RUNNING', 'PAUSED', 'SUCCESS', 'ERROR', 'CANCELLED', 'IDLE'];
