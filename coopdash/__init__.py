"""龙潭区共享物业社看板：非界面代码（契约、查询层、筛选、格式、演示数据）。

Non-UI code of the Longtan shared-property-cooperative dashboard.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
