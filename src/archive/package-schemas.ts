/**
 * The XML schemas (XSD 1.0) shipped in 其他/XML模式/ with every package, describing exactly what
 * the package's XML files hold: 文件目录.XML (the flat form of 附件2 of the 电子档案移交与接收办法)
 * and each item's metadata (DA/T 46-2009 layout, `item-metadata-xml.ts`). Tests validate every
 * XML of a package against them with libxml2.
 */

export const SCHEMA_PATHS = {
  carrierCatalogue: '其他/XML模式/文件目录.xsd',
  itemMetadata: '其他/XML模式/电子文件元数据.xsd',
} as const;

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:simpleType name="非空文本"><xs:restriction base="xs:string"><xs:minLength value="1"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="日期YYYYMMDD"><xs:restriction base="xs:string"><xs:pattern value="([0-9]{8})?"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="可空整数"><xs:restriction base="xs:string"><xs:pattern value="[0-9]*"/></xs:restriction></xs:simpleType>
`;

export const CARRIER_CATALOGUE_XSD = `${HEAD}  <xs:element name="文件目录">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="文件" minOccurs="0" maxOccurs="unbounded">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="顺序号" type="xs:positiveInteger"/>
              <xs:element name="档号" type="非空文本"/>
              <xs:element name="责任者" type="xs:string"/>
              <xs:element name="题名" type="非空文本"/>
              <xs:element name="日期" type="日期YYYYMMDD"/>
              <xs:element name="密级" type="xs:string"/>
              <xs:element name="电子档案名称" type="非空文本" maxOccurs="unbounded"/>
              <xs:element name="备注" type="xs:string"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
    <xs:unique name="顺序号唯一"><xs:selector xpath="文件"/><xs:field xpath="顺序号"/></xs:unique>
    <xs:unique name="档号唯一"><xs:selector xpath="文件"/><xs:field xpath="档号"/></xs:unique>
  </xs:element>
</xs:schema>
`;

const seq = (indent: string, items: string[]) =>
  `${indent}<xs:complexType>\n${indent}  <xs:sequence>\n${items.map((i) => `${indent}    ${i}`).join('\n')}\n${indent}  </xs:sequence>\n${indent}</xs:complexType>`;
const el = (name: string, type = 'xs:string', extra = '') =>
  `<xs:element name="${name}" type="${type}"${extra}/>`;
const opt = ' minOccurs="0"';
const enumType = (name: string, values: string[]) =>
  `  <xs:simpleType name="${name}"><xs:restriction base="xs:string">${values
    .map((v) => `<xs:enumeration value="${v}"/>`)
    .join('')}</xs:restriction></xs:simpleType>\n`;

const complex = (name: string, indent: string, items: string[], extra = '') =>
  `<xs:element name="${name}"${extra}>\n${seq(indent + '  ', items)}\n${indent}</xs:element>`;

const FILE_ITEMS = [
  el('计算机文件名', '非空文本'),
  el('计算机文件大小', 'xs:nonNegativeInteger'),
  el('格式信息', '非空文本'),
  el('格式版本'),
  el('文档创建程序', '非空文本'),
  el('哈希算法', '非空文本'),
  el('哈希值', '哈希值'),
  el('原始文件名'),
  el('接收时间', 'xs:dateTime'),
  el('生成方式', '生成方式'),
  complex('数字化属性', '        ', [el('数字化对象形态', '非空文本'), el('数字化设备'), el('像素')], opt),
  el('拍摄时间', 'xs:dateTime', opt),
  el('GPS', 'xs:string', opt),
  el('像素', 'xs:string', opt),
  el('文件用途', '文件用途', opt),
  el('归档副本', '非空文本', opt),
  el('转换自', '非空文本', ' minOccurs="0" maxOccurs="unbounded"'),
  el('时长', 'xs:duration', opt),
  // The same bytes (哈希值) elsewhere in the package: another 件's 档号, another file of this 件.
  el('相同文件档号', '非空文本', ' minOccurs="0" maxOccurs="unbounded"'),
  el('相同文件名', '非空文本', ' minOccurs="0" maxOccurs="unbounded"'),
];

export const ITEM_METADATA_XSD = `${HEAD}${enumType('聚合层次', ['文件', '案卷'])}${enumType('控制标识', [
  '开放',
  '控制',
])}${enumType('生成方式', ['原生', '数字化'])}${enumType('文件用途', ['原件', '归档副本'])}${enumType('文件组合类型', ['单件', '组合文件'])}  <xs:simpleType name="哈希值"><xs:restriction base="xs:string"><xs:pattern value="[0-9a-f]{64}"/></xs:restriction></xs:simpleType>
  <xs:element name="电子文件">
    <xs:complexType>
      <xs:sequence>
        ${complex('文件实体', '        ', [
          el('聚合层次', '聚合层次'),
          complex('来源', '            ', [
            el('档案馆名称'),
            el('全宗名称', '非空文本'),
            el('立档单位名称', '非空文本'),
            el('形成单位', '非空文本'),
          ]),
          el('电子文件号', '非空文本'),
          complex('档号', '            ', [
            el('值', '非空文本'),
            el('全宗号', '非空文本'),
            el('目录号', '非空文本'),
            el('门类', '非空文本'),
            el('年度', 'xs:gYear'),
            el('保管期限', '非空文本'),
            el('机构或问题'),
            el('室编件号', 'xs:positiveInteger'),
            el('目录序号', 'xs:positiveInteger'),
            el('顺序号', 'xs:positiveInteger'),
          ]),
          complex('内容描述', '            ', [
            el('题名', '非空文本'),
            el('文件编号'),
            el('责任者', '非空文本'),
            el('日期', '日期YYYYMMDD'),
            el('密级'),
            el('附注'),
            el('类别'),
            el('归档事项'),
            el('参见号', '非空文本', ' minOccurs="0" maxOccurs="unbounded"'),
            complex(
              '照片说明',
              '                ',
              [
                el('事由'),
                el('时间'),
                el('地点'),
                el('人物'),
                el('背景', '非空文本', opt),
                el('摄影者'),
                complex(
                  '照片',
                  '                    ',
                  [
                    el('照片号', '非空文本'),
                    el('张号', 'xs:positiveInteger'),
                    el('计算机文件名', '非空文本'),
                    el('说明', '非空文本'),
                    el('时间'),
                    el('摄影者'),
                    el('背景', '非空文本', opt),
                    el('参见号', '非空文本', ' minOccurs="0" maxOccurs="unbounded"'),
                  ],
                  ' minOccurs="0" maxOccurs="unbounded"',
                ),
              ],
              opt,
            ),
          ]),
          complex('形式特征', '            ', [
            el('文件组合类型', '文件组合类型'),
            el('件数', 'xs:positiveInteger'),
            el('页数', '可空整数'),
            el('语种', '非空文本'),
            el('稿本', '非空文本'),
          ]),
          complex('存储位置', '            ', [el('当前位置', '非空文本'), el('脱机载体编号')]),
          complex('权限管理', '            ', [el('控制标识', '控制标识')]),
          complex('电子属性', '            ', [
            complex('计算机文件', '                ', FILE_ITEMS, ' maxOccurs="unbounded"'),
          ]),
        ])}
        ${complex('机构人员实体', '        ', [
          complex(
            '机构人员',
            '            ',
            [el('机构人员类型', '非空文本'), el('机构人员名称', '非空文本')],
            ' maxOccurs="unbounded"',
          ),
        ])}
        ${complex('业务实体', '        ', [
          complex(
            '业务行为',
            '            ',
            [
              el('行为', '非空文本'),
              el('行为时间', 'xs:dateTime'),
              el('机构人员名称', '非空文本'),
              el('行为描述', '非空文本', opt),
            ],
            ' maxOccurs="unbounded"',
          ),
        ])}
      </xs:sequence>
      <xs:attribute name="档号" type="非空文本" use="required"/>
      <xs:attribute name="元数据方案" type="xs:string" use="required"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
`;
