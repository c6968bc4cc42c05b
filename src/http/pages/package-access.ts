import {
  packageUnits,
  transferPackageDetail,
  type PackageUnit,
  type TransferPackageDetail,
} from '../../db/repos/transfer-package-detail.js';
import { getUnitById } from '../../db/repos/units.js';
import { transfersPath } from '../../domain/transfer-changes.js';
import { canSee, holdsRole, NotFound, type PageContext } from '../web-context.js';
import { page } from '../web-app.js';
import { EDIT_ROLES } from './compilation-view.js';
import { messagePage } from './layout.js';

/** What the viewer may see of a package: all of it, or only what concerns their units (`paths`). */
export interface Seen {
  pkg: TransferPackageDetail;
  units: PackageUnit[];
  /** Set when the viewer is an archivist only of units the package carried, not of its own unit. */
  paths?: string[];
  /** With paths: the viewer's unit the part is named by (「城关村」), or 你所在单位 for several. */
  partName?: string;
  /** The 移交包 page to go back to. */
  listPath: string;
}

/**
 * The package, when it exists and the viewer may see its unit or a unit it carried (else 404, as for
 * any page outside their units) and is an archivist or admin of one of them (else 403, said).
 */
export async function visiblePackage(c: PageContext): Promise<Seen | undefined> {
  const pkg = await transferPackageDetail(c.deps.db, c.params.id!);
  if (!pkg) throw new NotFound();
  const units = await packageUnits(c.deps.db, pkg.id);
  if (holdsRole(c.viewer, pkg.unitPath, EDIT_ROLES))
    return { pkg, units, listPath: transfersPath(pkg.unitId) };
  const own = c.viewer.roles.filter(
    (r) => (EDIT_ROLES as readonly string[]).includes(r.role) && units.some((u) => u.path.startsWith(r.path)),
  );
  if (own.length > 0) {
    const paths = [...new Set(own.map((r) => r.path))];
    const named = paths.length === 1 ? await getUnitById(c.deps.db, own[0]!.unitId) : undefined;
    return {
      pkg,
      units: units.filter((u) => paths.some((p) => u.path.startsWith(p))),
      paths,
      partName: named?.name ?? '你所在单位',
      listPath: transfersPath(own[0]!.unitId),
    };
  }
  if (!canSee(c.viewer, pkg.unitPath) && !units.some((u) => canSee(c.viewer, u.path))) throw new NotFound();
  page(c.koa, 403, messagePage('不能查看', '只有档案员或管理员可以查看移交包记录。', c.viewer));
  return undefined;
}
