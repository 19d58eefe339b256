// Every field type PocketBase 0.23+ has, with the options the collection editor offers for it.
// Option kinds: number, text, bool, list (comma separated), collection (relation target).
export const FIELD_TYPES = {
  text: { label: 'Plain text', options: [['min', 'number', 'Min length'], ['max', 'number', 'Max length'],
    ['pattern', 'text', 'Validation pattern (regex)'], ['autogeneratePattern', 'text', 'Autogenerate pattern']] },
  editor: { label: 'Rich editor', options: [['maxSize', 'number', 'Max size (bytes)'], ['convertURLs', 'bool', 'Convert URLs']] },
  number: { label: 'Number', options: [['min', 'number', 'Min'], ['max', 'number', 'Max'], ['onlyInt', 'bool', 'Integers only']] },
  bool: { label: 'Bool', options: [] },
  email: { label: 'Email', options: [['onlyDomains', 'list', 'Only domains'], ['exceptDomains', 'list', 'Except domains']] },
  url: { label: 'URL', options: [['onlyDomains', 'list', 'Only domains'], ['exceptDomains', 'list', 'Except domains']] },
  date: { label: 'Date', options: [['min', 'text', 'Min (YYYY-MM-DD HH:MM:SS.000Z)'], ['max', 'text', 'Max (YYYY-MM-DD HH:MM:SS.000Z)']] },
  autodate: { label: 'Autodate', options: [['onCreate', 'bool', 'Set on create'], ['onUpdate', 'bool', 'Set on update']] },
  select: { label: 'Select', options: [['values', 'list', 'Choices'], ['maxSelect', 'number', 'Max selections']] },
  file: { label: 'File', options: [['maxSelect', 'number', 'Max files'], ['maxSize', 'number', 'Max size per file (bytes)'],
    ['mimeTypes', 'list', 'Allowed MIME types'], ['thumbs', 'list', 'Thumb sizes (e.g. 100x100)'], ['protected', 'bool', 'Protected (needs a file token)']] },
  relation: { label: 'Relation', options: [['collectionId', 'collection', 'Related collection'], ['minSelect', 'number', 'Min selections'],
    ['maxSelect', 'number', 'Max selections'], ['cascadeDelete', 'bool', 'Delete with the related record']] },
  json: { label: 'JSON', options: [['maxSize', 'number', 'Max size (bytes)']] },
  geoPoint: { label: 'Geo point', options: [] },
  password: { label: 'Password', options: [['min', 'number', 'Min length'], ['max', 'number', 'Max length'],
    ['pattern', 'text', 'Validation pattern (regex)'], ['cost', 'number', 'Bcrypt cost']] },
};

export const NEW_FIELD_DEFAULTS = {
  autodate: { onCreate: true, onUpdate: false },
  select: { values: [], maxSelect: 1 },
  file: { maxSelect: 1, maxSize: 0, mimeTypes: [], thumbs: [] },
  relation: { maxSelect: 1, cascadeDelete: false },
};

export const isMulti = (field) => (field.maxSelect || 1) > 1;

// A value as the records table shows it (plain text; files and relations are drawn by the table).
export function preview(field, value) {
  if (value == null || value === '') return '';
  if (field.type === 'geoPoint') return `lon ${value.lon}, lat ${value.lat}`;
  if (field.type === 'json') return JSON.stringify(value);
  if (Array.isArray(value)) return value.join(', ');
  // Stored HTML is never parsed here: its tags are dropped as text and the result shown as text.
  if (field.type === 'editor') return decodeEntities(String(value).replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return String(value);
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const decodeEntities = (text) => text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name) => {
  if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? whole;
  const code = name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
});

// A plausible example value per type, for the API preview's example responses.
export function example(field) {
  switch (field.type) {
    case 'number': return 123;
    case 'bool': return true;
    case 'email': return 'test@example.com';
    case 'url': return 'https://example.com';
    case 'date': case 'autodate': return '2024-01-01 10:00:00.123Z';
    case 'select': return isMulti(field) ? (field.values || []).slice(0, 2) : (field.values || [''])[0];
    case 'file': return isMulti(field) ? ['filename_abc123.jpg'] : 'filename_abc123.jpg';
    case 'relation': return isMulti(field) ? ['RELATION_RECORD_ID'] : 'RELATION_RECORD_ID';
    case 'json': return { key: 'value' };
    case 'geoPoint': return { lon: 0, lat: 0 };
    case 'editor': return '<p>test</p>';
    default: return field.name === 'id' ? 'RECORD_ID' : 'test';
  }
}
