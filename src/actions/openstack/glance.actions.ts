import { ActionInputError } from '../action.types';
import { given, idOf, optionalInteger, optionalObject, optionalText, requiredText, type OpenStackActionSpec } from './openstack-action';

const IMAGE_ID = { name: 'image_id' };

/** Glance v2 actions with Mistral's names and parameters; results are Glance's JSON objects. */
export const GLANCE_ACTIONS: OpenStackActionSpec[] = [
  {
    name: 'glance.images_list',
    description:
      'Lists images visible to the project, all pages. filters: any image field or property ({"instance_uuid": id, "status": "active", "tag": ["t"]}); sort_key/sort_dir or sort ("created_at:asc"); limit.',
    parameters: [
      { name: 'filters', default: null },
      { name: 'sort_key', default: null },
      { name: 'sort_dir', default: null },
      { name: 'sort', default: null },
      { name: 'limit', default: null },
      { name: 'page_size', default: null },
      { name: 'marker', default: null },
    ],
    idempotent: true,
    run: (clients, input, signal) =>
      clients.image.listImages(
        {
          filters: optionalObject(input, 'filters'),
          sort_key: optionalText(input, 'sort_key'),
          sort_dir: optionalText(input, 'sort_dir'),
          sort: optionalText(input, 'sort'),
          limit: optionalInteger(input, 'limit'),
          page_size: optionalInteger(input, 'page_size'),
          marker: optionalText(input, 'marker'),
        },
        signal,
      ),
  },
  {
    name: 'glance.images_get',
    description: 'Shows an image (GET /v2/images/{id}).',
    parameters: [IMAGE_ID],
    idempotent: true,
    run: (clients, input, signal) => clients.image.getImage(idOf(input, 'image_id'), signal),
  },
  {
    name: 'glance.images_delete',
    description: 'Deletes an image (403 when it is protected).',
    parameters: [IMAGE_ID],
    idempotent: false,
    run: (clients, input, signal) => clients.image.deleteImage(idOf(input, 'image_id'), signal),
  },
  {
    name: 'glance.images_update',
    description: 'Sets image fields and properties (the keywords) and removes the properties named in remove_props.',
    parameters: [IMAGE_ID, { name: 'remove_props', default: null }],
    acceptsOtherParameters: true,
    idempotent: true,
    async run(clients, input, signal) {
      const { image_id: _imageId, remove_props: removeProps, ...set } = input;
      if (removeProps !== null && removeProps !== undefined && !Array.isArray(removeProps)) throw new ActionInputError('remove_props must be a list of property names');
      return clients.image.updateImage(idOf(input, 'image_id'), given(set), (removeProps ?? []).map(String), signal);
    },
  },
  {
    name: 'glance.image_tags_update',
    description: 'Adds a tag to an image.',
    parameters: [IMAGE_ID, { name: 'tag_value' }],
    idempotent: true,
    run: (clients, input, signal) => clients.image.addTag(idOf(input, 'image_id'), requiredText(input, 'tag_value'), signal),
  },
];
