import { batchPayloadTexts, sameJson, singlePayloadText, storedPayloadText } from './payload-text.js';

describe('singlePayloadText', () => {
  it.each([
    ['compact', '{"event_type":"a.b","payload":{"z":1,"a":2}}', '{"z":1,"a":2}'],
    ['spacing and newlines kept', '{ "payload" : {\n  "z" : 1 ,\t"a":[ 1 , 2 ]\n} , "event_type":"a.b" }', '{\n  "z" : 1 ,\t"a":[ 1 , 2 ]\n}'],
    ['unicode escapes and raw unicode kept', '{"payload":{"e":"\\u00e9","r":"Zoë 🚀","q":"\\"}{\\\\"}}', '{"e":"\\u00e9","r":"Zoë 🚀","q":"\\"}{\\\\"}'],
    ['number formatting kept', '{"payload":{"f":1.0,"e":1E+2,"big":12345678901234567890,"neg":-0}}', '{"f":1.0,"e":1E+2,"big":12345678901234567890,"neg":-0}'],
    ['strings that look like structure', '{"event_type":"{\\"payload\\":1}","payload":{"k":"]},{"}}', '{"k":"]},{"}'],
    ['a key spelled with escapes', '{"pay\\u006coad":{"x":1}}', '{"x":1}'],
    ['the last of repeated keys, as JSON.parse', '{"payload":{"first":1},"payload":{"second":2}}', '{"second":2}'],
    ['leading whitespace', ' \n {"payload":{}}', '{}'],
    ['nested payload keys ignored', '{"x":{"payload":{"no":1}},"payload":{"yes":1}}', '{"yes":1}'],
  ])('%s', (_label, body, expected) => {
    expect(singlePayloadText(body)).toBe(expected);
    expect(JSON.parse(singlePayloadText(body)!)).toEqual(JSON.parse(body).payload);
  });

  it('is undefined without a payload member or an object body', () => {
    expect(singlePayloadText('{"event_type":"a.b"}')).toBeUndefined();
    expect(singlePayloadText('[{"payload":{}}]')).toBeUndefined();
  });
});

describe('batchPayloadTexts', () => {
  it("gives each event's payload text by index, undefined for items without one", () => {
    const body = '{"events":[{"payload":{"b":1,"a":"\\u00e9"}},"junk",{"event_type":"x"},{"payload" :[1] },{"payload":{}}]}';
    expect(batchPayloadTexts(body)).toEqual(['{"b":1,"a":"\\u00e9"}', undefined, undefined, '[1]', '{}']);
  });

  it('is empty when there is no events array', () => {
    expect(batchPayloadTexts('{"events":{}}')).toEqual([]);
    expect(batchPayloadTexts('{}')).toEqual([]);
  });
});

describe('storedPayloadText', () => {
  it("keeps the producer's text when it is this payload", () => {
    expect(storedPayloadText('{"b": 1.0, "a":"\\u00e9"}', { b: 1, a: 'é' })).toBe('{"b": 1.0, "a":"\\u00e9"}');
  });

  it('re-serialises when the text is missing or is not this payload', () => {
    expect(storedPayloadText(undefined, { b: 1 })).toBe('{"b":1}');
    expect(storedPayloadText('{"b":2}', { b: 1 })).toBe('{"b":1}');
    expect(storedPayloadText('{"b":', { b: 1 })).toBe('{"b":1}');
  });
});

describe('sameJson', () => {
  it.each([
    ['{"a":[1,{"b":null}],"c":"x"}', '{"a":[1,{"b":null}],"c":"x"}', true],
    ['{"a":1,"b":2}', '{"b":2,"a":1}', false],
    ['{"a":1}', '{"a":1,"b":2}', false],
    ['[1,2]', '[1,2,3]', false],
    ['{"a":[]}', '{"a":{}}', false],
    ['{"a":0}', '{"a":-0}', false],
    ['{"a":"1"}', '{"a":1}', false],
    ['{"a":null}', '{"a":{}}', false],
  ])('%s and %s: %p', (x, y, expected) => {
    expect(sameJson(JSON.parse(x), JSON.parse(y))).toBe(expected);
  });
});
