import type { FileMetadata } from '../contract.ts';
import { FieldSet, metadata } from './fields.ts';
import { readPackage } from './package-parts.ts';
import { child, parseMetadataXml, textOf } from './xml.ts';

const CORE = 'docProps/core.xml';
const APP = 'docProps/app.xml';

/** OOXML (.docx, .xlsx, .pptx and their macro and template variants): docProps/core.xml and app.xml, and the parts. */
export async function readOoxml(bytes: Uint8Array): Promise<FileMetadata> {
  const { parts, wanted, notes } = await readPackage(bytes, [CORE, APP]);
  const fields = new FieldSet();
  const core = wanted.get(CORE);
  if (core) {
    try {
      const root = child(parseMetadataXml(core, CORE), 'coreProperties');
      fields.set('title', textOf(child(root, 'title')));
      fields.set('author', textOf(child(root, 'creator')));
      fields.set('lastModifiedBy', textOf(child(root, 'lastModifiedBy')));
      fields.setDate('created', textOf(child(root, 'created')));
      fields.setDate('modified', textOf(child(root, 'modified')));
      fields.set('revision', textOf(child(root, 'revision')));
    } catch (error) {
      notes.push((error as Error).message);
    }
  }
  const app = wanted.get(APP);
  if (app) {
    try {
      const root = child(parseMetadataXml(app, APP), 'Properties');
      fields.set('application', textOf(child(root, 'Application')));
      fields.set('applicationVersion', textOf(child(root, 'AppVersion')));
      fields.set('company', textOf(child(root, 'Company')));
      fields.set('template', textOf(child(root, 'Template')));
      fields.set('totalEditingMinutes', textOf(child(root, 'TotalTime')));
    } catch (error) {
      notes.push((error as Error).message);
    }
  }
  return metadata('ooxml', fields, parts, notes);
}
