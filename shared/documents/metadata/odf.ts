import type { FileMetadata } from '../contract.ts';
import { durationMinutes, FieldSet, metadata } from './fields.ts';
import { readPackage } from './package-parts.ts';
import { child, parseMetadataXml, textOf } from './xml.ts';

const META = 'meta.xml';

/** OpenDocument (.odt, .ods, .odp and the rest): meta.xml, and the parts. */
export async function readOdf(bytes: Uint8Array): Promise<FileMetadata> {
  const { parts, wanted, notes } = await readPackage(bytes, [META]);
  const fields = new FieldSet();
  const meta = wanted.get(META);
  if (meta) {
    try {
      const root = child(child(parseMetadataXml(meta, META), 'document-meta'), 'meta');
      fields.set('title', textOf(child(root, 'title')));
      fields.set('author', textOf(child(root, 'initial-creator')));
      fields.set('lastModifiedBy', textOf(child(root, 'creator')));
      fields.setDate('created', textOf(child(root, 'creation-date')));
      fields.setDate('modified', textOf(child(root, 'date')));
      fields.set('revision', textOf(child(root, 'editing-cycles')));
      fields.set('application', textOf(child(root, 'generator')));
      const duration = textOf(child(root, 'editing-duration'));
      if (duration !== undefined) fields.set('totalEditingMinutes', durationMinutes(duration));
    } catch (error) {
      notes.push((error as Error).message);
    }
  }
  return metadata('odf', fields, parts, notes);
}
