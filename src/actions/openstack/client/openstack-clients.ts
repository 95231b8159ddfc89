import { ComputeClient } from './compute.client';
import { IdentityClient } from './identity.client';
import { ImageClient } from './image.client';
import { OpenStackSession, type SessionOptions, type TokenProvider } from './openstack-session';
import { VolumeClient } from './volume.client';

/** One session with a cloud and a client per service over it. */
export class OpenStackClients {
  readonly session: OpenStackSession;
  readonly compute: ComputeClient;
  readonly image: ImageClient;
  readonly volume: VolumeClient;
  readonly identity: IdentityClient;

  constructor(tokens: TokenProvider, options: SessionOptions = {}) {
    this.session = new OpenStackSession(tokens, options);
    this.compute = new ComputeClient(this.session);
    this.image = new ImageClient(this.session);
    this.volume = new VolumeClient(this.session);
    this.identity = new IdentityClient(this.session);
  }
}
