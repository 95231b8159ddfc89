import * as path from 'node:path';
import { describeSnapshotWorkflows } from './snapshot-scenarios';

// the shipped definitions; test/peers/openstack.peer-spec.ts runs the same scenarios against real Keystone, Nova, Glance and Cinder
describeSnapshotWorkflows('snapshot workflows (fake cloud)', path.resolve(__dirname, '../../definitions'));
