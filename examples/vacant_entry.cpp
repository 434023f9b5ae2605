// VacantEntry: learn an element's index before constructing it, e.g. for nodes that store
// their own handle.
#include <hislab/hislab.hpp>

#include <cstdio>
#include <string>

struct Node {
  hislab::index_type self;
  hislab::index_type parent;
  std::string name;
};

int main() {
  hislab::HiSlab<Node> tree(0, 1024);
  auto root_entry = tree.vacant_entry();
  const auto root = root_entry.index();
  root_entry.insert(root, hislab::npos, "root");  // Node{self, parent, name}

  auto child_entry = tree.vacant_entry();
  const auto child = child_entry.index();
  child_entry.insert(child, root, "child");

  for (auto [index, node] : tree)
    std::printf("%u: %s (self %u, parent %d)\n", index, node.name.c_str(), node.self,
                node.parent == hislab::npos ? -1 : static_cast<int>(node.parent));
  return tree[child].parent == root && tree[root].self == root ? 0 : 1;
}
