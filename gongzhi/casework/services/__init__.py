"""Service orders (便民服务: 组织列单—群众点单—平台派单—接单—群众评单), offerings and the staff board."""
