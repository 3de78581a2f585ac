import type { Queryable } from '../../platform/db/db.js';
import type { FileKind } from './file-types.js';

export interface NewFile {
  tenantId: number;
  name: string;
  type: FileKind;
  mimeType: string;
  size: number;
  storageKey: string;
  fileableType: 'conversation_message';
  fileableId: number;
  now: Date;
}

export async function insertFile(tx: Queryable, file: NewFile): Promise<number> {
  const result = await tx.query<{ id: number }>(
    `INSERT INTO files (tenant_id, name, type, mime_type, size, storage_key, fileable_type, fileable_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
    [file.tenantId, file.name, file.type, file.mimeType, file.size, file.storageKey, file.fileableType, file.fileableId, file.now],
  );
  return Number(result.rows[0]!.id);
}

export interface StoredFileRecord {
  id: number;
  name: string;
  mime_type: string;
  size: number;
  storage_key: string;
  thumbnail_key: string | null;
}

/** A file a signed link may serve: soft-deleted files are gone for links too. */
export async function findLiveFile(db: Queryable, tenantId: number, fileId: number): Promise<StoredFileRecord | null> {
  const result = await db.query<StoredFileRecord>(
    `SELECT id, name, mime_type, size, storage_key, thumbnail_key FROM files
      WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
    [tenantId, fileId],
  );
  const row = result.rows[0];
  return row ? { ...row, id: Number(row.id), size: Number(row.size) } : null;
}
