import dagre from '@dagrejs/dagre';
import { useMemo } from 'react';
import type { Task } from '../../api/types';
import { stateColours } from '../../lib/states';
import type { EdgeKind, TaskGraph } from '../../lib/task-graph';
import { itemsProgress } from './task-facts';

const NODE_WIDTH = 170;
const NODE_HEIGHT = 54;

export const EDGE_STYLES: Record<EdgeKind, { stroke: string; dash: string; label: string }> = {
  'on-success': { stroke: '#15803d', dash: '', label: 'on-success' },
  'on-error': { stroke: '#b91c1c', dash: '7 4', label: 'on-error' },
  'on-complete': { stroke: '#4b5563', dash: '2 4', label: 'on-complete' },
  requires: { stroke: '#1d4ed8', dash: '', label: 'requires' },
};

interface Props {
  graph: TaskGraph;
  /** the latest run of each task, by name */
  tasks: Map<string, Task>;
  selected: string | null;
  onSelect: (name: string) => void;
}

/** The workflow's tasks laid out by dagre, drawn as SVG: nodes coloured by state, edges styled by kind. */
export function TaskGraphView({ graph, tasks, selected, onSelect }: Props) {
  const layout = useMemo(() => {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 50, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
    graph.edges.forEach((edge, index) => g.setEdge(edge.from, edge.to, {}, `e${index}`));
    dagre.layout(g);
    const size = g.graph();
    return {
      width: Math.max(size.width ?? 0, NODE_WIDTH + 20),
      height: Math.max(size.height ?? 0, NODE_HEIGHT + 20),
      nodes: graph.nodes.map((node) => ({ node, box: g.node(node.id) })),
      edges: graph.edges.map((edge, index) => ({ edge, points: g.edge({ v: edge.from, w: edge.to, name: `e${index}` }).points ?? [] })),
    };
  }, [graph]);

  return (
    <figure className="graph">
      <svg
        role="group"
        aria-label={`Task graph of ${graph.workflow}: choose a task for its details`}
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
      >
        <defs>
          {Object.entries(EDGE_STYLES).map(([kind, style]) => (
            <marker key={kind} id={`arrow-${kind}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" fill={style.stroke} />
            </marker>
          ))}
        </defs>
        {layout.edges.map(({ edge, points }, index) => (
          <path
            key={index}
            className="edge"
            data-kind={edge.kind}
            d={points.map((point: { x: number; y: number }, at: number) => `${at === 0 ? 'M' : 'L'}${point.x},${point.y}`).join(' ')}
            fill="none"
            stroke={EDGE_STYLES[edge.kind].stroke}
            strokeWidth={2}
            strokeDasharray={EDGE_STYLES[edge.kind].dash || undefined}
            markerEnd={`url(#arrow-${edge.kind})`}
          >
            <title>{`${edge.from} ${edge.kind} → ${edge.to}${edge.condition ? ` when ${edge.condition}` : ''}`}</title>
          </path>
        ))}
        {layout.nodes.map(({ node, box }) => {
          const task = tasks.get(node.id);
          const state = task?.state ?? 'NOT RUN';
          const colours = stateColours(state);
          const progress = task ? itemsProgress(task, node.withItems) : null;
          return (
            <g
              key={node.id}
              className="node"
              data-task={node.id}
              data-state={state}
              transform={`translate(${box.x - NODE_WIDTH / 2},${box.y - NODE_HEIGHT / 2})`}
              role="button"
              tabIndex={0}
              aria-label={`task ${node.id}: ${state}${progress ? `, ${progress.done}/${progress.count} items` : ''}`}
              aria-pressed={selected === node.id}
              onClick={() => onSelect(node.id)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  onSelect(node.id);
                }
              }}
            >
              <rect
                width={NODE_WIDTH}
                height={NODE_HEIGHT}
                rx={8}
                fill={colours.fill}
                stroke={selected === node.id ? '#111827' : '#6b7280'}
                strokeWidth={selected === node.id ? 3 : 1}
              />
              <text x={10} y={21} fill={colours.text} fontWeight={600} fontSize={13}>
                {node.id.length > 22 ? `${node.id.slice(0, 21)}…` : node.id}
              </text>
              <text x={10} y={41} fill={colours.text} fontSize={11}>
                {state}
                {progress ? ` · ${progress.done}/${progress.count}` : ''}
                {node.runs && !progress ? ` · ${node.runs.length > 16 ? `${node.runs.slice(0, 15)}…` : node.runs}` : ''}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {(['on-success', 'on-error', 'on-complete'] as const).map((kind) => (
          <span key={kind}>
            <svg width="36" height="10" aria-hidden="true">
              <line x1="0" y1="5" x2="36" y2="5" stroke={EDGE_STYLES[kind].stroke} strokeWidth={2} strokeDasharray={EDGE_STYLES[kind].dash || undefined} />
            </svg>{' '}
            {kind}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
