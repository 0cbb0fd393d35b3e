import { AttemptStatusSchema, DeliveryStatusSchema, KEY_SCOPES } from '@herald/schemas';
import { ApiKeyScope, AttemptStatus, DeliveryStatus } from './client.js';

// The database's enums cannot import the schemas' lists; they must stay the same lists.
describe('database enums', () => {
  it('are the lists the schemas define', () => {
    expect(Object.values(ApiKeyScope)).toEqual([...KEY_SCOPES]);
    expect(Object.values(DeliveryStatus)).toEqual(DeliveryStatusSchema.options);
    expect(Object.values(AttemptStatus)).toEqual(AttemptStatusSchema.options);
  });
});
